import { existsSync, readFileSync } from 'node:fs';
import * as util from 'node:util';
import { z } from 'zod';
import { DeployError, invalidOption, SettingsError, type SettingsIssue } from './errors.js';
import { type BaseSettings, baseSettingsShape } from './settings-schema.js';

/** Options of {@link defineSettings}. */
export interface DefineSettingsOptions<Shape extends z.ZodRawShape> {
  /**
   * The app's own settings as a zod shape, read from environment variables of the same names.
   * @example `{ REDIS_URL: z.url().optional(), WORKERS: z.coerce.number().int().default(2) }`
   */
  schema?: Shape;
  /**
   * Where to read variables from.
   * @defaultValue `process.env`
   */
  env?: Readonly<Record<string, string | undefined>>;
  /**
   * A `.env` file to read too; variables already in `env` win (as with dotenv). `false` reads
   * none. A path you name must exist; the default `.env` is read only when present.
   * @defaultValue `'.env'` in the current directory, when it exists
   */
  envFile?: string | false;
  /**
   * Extra variable names whose values are secret (never shown in errors, `JSON.stringify` or
   * `console.log`). `SECRET_KEY`, `SECRET_KEY_FALLBACKS` and names containing `SECRET`,
   * `PASSWORD`, `TOKEN`, `PRIVATE`, `CREDENTIAL` or `API_KEY` are always secret.
   */
  secrets?: readonly string[];
}

/** The settings `defineSettings` returns: Django's plus the app's own fields, frozen. */
export type Settings<Shape extends z.ZodRawShape = Record<never, never>> = Readonly<
  BaseSettings & z.output<z.ZodObject<Shape>>
>;

const SECRET_NAME = /SECRET|PASSWORD|PASSWD|TOKEN|PRIVATE|CREDENTIAL|API_?KEY/i;

/** Whether a variable's value must never be shown. */
export function isSecretName(name: string, extra: readonly string[] = []): boolean {
  return SECRET_NAME.test(name) || extra.includes(name);
}

/** Hides credentials in a URL (`redis://:pw@host` becomes `redis://:***@host`). */
function redactUrlCredentials(value: string): string {
  return value.replace(/^([a-z][a-z0-9+.-]*:\/\/)([^@/]*)@/i, (_, scheme: string) => `${scheme}***@`);
}

function readEnvFile(envFile: string | false | undefined): Record<string, string | undefined> {
  if (envFile === false) return {};
  const path = envFile ?? '.env';
  if (envFile === undefined && !existsSync(path)) return {};
  // A namespace lookup, not a named import: on Node 20 before 20.12 (no util.parseEnv) the
  // package still loads, and only reading a .env file fails, with a clear error.
  const parseEnv = (util as { parseEnv?: (content: string) => Record<string, string> }).parseEnv;
  if (typeof parseEnv !== 'function') {
    throw new DeployError(
      'ERR_ENV_FILE',
      `Reading the env file \`${path}\` needs Node 20.12 or newer (util.parseEnv); upgrade Node or pass envFile: false`,
    );
  }
  try {
    return parseEnv(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new DeployError('ERR_ENV_FILE', `Could not read the env file \`${path}\``, { cause: error });
  }
}

/**
 * Reads typed settings from the environment (and an optional `.env` file) with zod: Django's
 * deployment settings (`DEBUG`, `SECRET_KEY`, `ALLOWED_HOSTS`, `SECURE_*`, cookie flags, …)
 * plus the app's own fields. A missing or bad value throws one {@link SettingsError} listing
 * every problem and the variable to set. Secret values never appear in errors, and the
 * returned object redacts them in `JSON.stringify` (and so in pino logs) and `console.log`.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * export const settings = defineSettings({ schema: { REDIS_URL: z.url().optional() } });
 * settings.ALLOWED_HOSTS; // string[]
 * ```
 */
export function defineSettings<Shape extends z.ZodRawShape = Record<never, never>>(
  options: DefineSettingsOptions<Shape> = {},
): Settings<Shape> {
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options);
  const { schema = {} as Shape, env = process.env, envFile, secrets = [] } = options;
  if (typeof schema !== 'object' || schema === null) invalidOption('schema', 'a zod object shape', schema);
  if (typeof env !== 'object' || env === null) invalidOption('env', 'an object of strings', env);
  if (!Array.isArray(secrets)) invalidOption('secrets', 'an array of variable names', secrets);

  const source: Record<string, string | undefined> = { ...readEnvFile(envFile), ...stripEmpty(env) };
  const shape = { ...baseSettingsShape, ...schema };
  const result = z.object(shape).safeParse(source, { reportInput: false });
  if (!result.success) {
    const issues: SettingsIssue[] = [];
    for (const issue of result.error.issues) {
      const variable = String(issue.path[0] ?? '(settings)');
      const raw = source[variable];
      let message = 'is required: set this variable';
      if (raw !== undefined) {
        message = issue.message;
        message += isSecretName(variable, secrets)
          ? ' (value hidden: secret)'
          : `, got \`${shown(redactUrlCredentials(raw.length > 60 ? `${raw.slice(0, 57)}...` : raw))}\``;
      }
      issues.push({ variable, message });
    }
    throw new SettingsError(issues);
  }
  return protect(result.data as Record<string, unknown>, secrets) as Settings<Shape>;
}

/** Escapes control characters, so a value cannot forge extra lines in the error (or in the log it lands in). */
function shown(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
  return value.replace(/[\u0000-\u001f\u007f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** Empty variables count as unset, as most twelve-factor tools treat them. */
function stripEmpty(env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) if (value !== undefined && value !== '') out[key] = value;
  return out;
}

/** A copy of `settings` with secrets shown as `[redacted]`, safe to log. */
export function redactSettings(settings: object, secrets: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(settings)) {
    if (isSecretName(key, secrets)) out[key] = value === undefined ? undefined : '[redacted]';
    else out[key] = typeof value === 'string' ? redactUrlCredentials(value) : value;
  }
  return out;
}

function protect(data: Record<string, unknown>, secrets: readonly string[]): Readonly<Record<string, unknown>> {
  Object.defineProperty(data, 'toJSON', { value: () => redactSettings(data, secrets), enumerable: false });
  Object.defineProperty(data, util.inspect.custom, {
    value: (_depth: number, opts: object) => `Settings ${util.inspect(redactSettings(data, secrets), opts)}`,
    enumerable: false,
  });
  return Object.freeze(data);
}
