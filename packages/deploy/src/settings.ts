import { existsSync, readFileSync } from 'node:fs';
import * as util from 'node:util';
import type { OptionKeys } from '@adv/types';
import { isPlaceholderSecret } from './checks/adv.js';
import { isWeakSecretKey, SECRET_KEY_MIN_LENGTH, SECRET_KEY_MIN_UNIQUE_CHARACTERS } from './checks/django.js';
import { DeployError, invalidOption, SettingsError, type SettingsIssue } from './errors.js';
import { deployOptions } from './options.js';
import { BASE_SETTINGS_PARSERS, type BaseSettings } from './settings-schema.js';
import type { StandardSchemaV1 } from './standard-schema.js';

/**
 * The app's own settings: variable name to a Standard Schema validator of its string value
 * (`undefined` when unset). zod 4, zod 3.24+, valibot 1 and arktype 2 schemas all fit.
 */
export type SettingsSchema = Readonly<Record<string, StandardSchemaV1>>;

/** The typed values of a {@link SettingsSchema}. */
export type SettingsSchemaOutput<Shape extends SettingsSchema> = {
  -readonly [K in keyof Shape]: StandardSchemaV1.InferOutput<Shape[K]>;
};

/** Options of {@link defineSettings}. */
export interface DefineSettingsOptions<Shape extends SettingsSchema = Record<never, never>> {
  /**
   * The app's own settings, read from environment variables of the same names: one Standard
   * Schema validator per variable (zod, valibot, arktype …), given the variable's string or
   * `undefined`. A name of a base setting (e.g. `STATIC_ROOT`) replaces its parsing.
   * @example `{ REDIS_URL: z.url().optional(), WORKERS: z.coerce.number().int().default(2) }`
   */
  schema?: Shape | undefined;
  /**
   * Where to read variables from.
   * @defaultValue `process.env`
   */
  env?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * A `.env` file to read too; variables already in `env` win (as with dotenv). `false` reads
   * none. A path you name must exist; the default `.env` is read only when present.
   * @defaultValue `'.env'` in the current directory, when it exists
   */
  envFile?: string | false | undefined;
  /**
   * Extra variable names whose values are secret (never shown in errors, `JSON.stringify` or
   * `console.log`). `SECRET_KEY`, `SECRET_KEY_FALLBACKS` and names containing `SECRET`,
   * `PASSWORD`, `TOKEN`, `PRIVATE`, `CREDENTIAL` or `API_KEY` are always secret.
   */
  secrets?: readonly string[] | undefined;
  /**
   * Load a weak or placeholder `SECRET_KEY` even with `DEBUG` off. Only for tools that report
   * rather than refuse (`adv-deploy check --deploy` reads the environment with it, so the key
   * shows up as `security.W009` / `adv.E003`); a server must never set it.
   * @defaultValue `false`
   */
  allowWeakSecretKey?: boolean | undefined;
}

const DEFINE_SETTINGS_KEYS: OptionKeys<DefineSettingsOptions> = {
  schema: true,
  env: true,
  envFile: true,
  secrets: true,
  allowWeakSecretKey: true,
};

/** The settings `defineSettings` returns: Django's plus the app's own fields, frozen. */
export type Settings<Shape extends SettingsSchema = Record<never, never>> = Readonly<
  Omit<BaseSettings, keyof Shape> & SettingsSchemaOutput<Shape>
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

const GENERATE_HINT = `generate one with: node -e "console.log(require('node:crypto').randomBytes(48).toString('base64url'))"`;

/** Why a production `SECRET_KEY` (or fallback) is refused, or `undefined` when it is fine. */
function weakKeyIssue(variable: string, key: string): SettingsIssue | undefined {
  if (isPlaceholderSecret(key)) {
    return {
      variable,
      check: 'adv.E003',
      message: `is a placeholder or default value copied from an example (value hidden: secret); DEBUG is off, so it is refused: ${GENERATE_HINT}`,
    };
  }
  if (variable === 'SECRET_KEY' && isWeakSecretKey(key)) {
    return {
      variable,
      check: 'security.W009',
      message: `is too weak for production (value hidden: secret): it has fewer than ${SECRET_KEY_MIN_LENGTH} characters, fewer than ${SECRET_KEY_MIN_UNIQUE_CHARACTERS} distinct characters, or starts with 'django-insecure-'; DEBUG is off, so it is refused: ${GENERATE_HINT}`,
    };
  }
  return undefined;
}

/** Validates one app field with its Standard Schema; only synchronous validators are supported. */
function validateField(schema: StandardSchemaV1, raw: string | undefined) {
  const result = schema['~standard'].validate(raw);
  if (result instanceof Promise) {
    result.catch(() => {}); // never an unhandled rejection from a validator we cannot wait for
    return {
      ok: false as const,
      async: true,
      message: 'has an asynchronous validator: settings are read synchronously, use a synchronous schema',
    };
  }
  if (result.issues) return { ok: false as const, async: false, message: result.issues[0]?.message ?? 'is invalid' };
  return { ok: true as const, value: result.value };
}

/**
 * Reads typed settings from the environment (and an optional `.env` file): Django's
 * deployment settings (`DEBUG`, `SECRET_KEY`, `ALLOWED_HOSTS`, `SECURE_*`, cookie flags, …)
 * plus the app's own fields, validated by any Standard Schema library (zod, valibot,
 * arktype). A missing or bad value throws one {@link SettingsError} listing every problem and
 * the variable to set. With `DEBUG` off, a weak `SECRET_KEY` (Django's security.W009 rule: under
 * 50 characters, under 5 distinct characters, or `django-insecure-…`) or a placeholder
 * (`changeme`, adv.E003) is refused too. Secret values never appear in errors, and the
 * returned object redacts them in `JSON.stringify` (and so in pino logs) and `console.log`.
 *
 * @example
 * ```ts
 * import { z } from 'zod';
 * export const settings = defineSettings({ schema: { REDIS_URL: z.url().optional() } });
 * settings.ALLOWED_HOSTS; // string[]
 * ```
 */
export function defineSettings<Shape extends SettingsSchema = Record<never, never>>(
  options?: DefineSettingsOptions<Shape>,
): Settings<Shape> {
  const { schema, env, envFile, secrets, allowWeakSecretKey } = deployOptions(
    'defineSettings',
    options,
    DEFINE_SETTINGS_KEYS,
    {
      schema: {} as Shape,
      env: process.env,
      secrets: [],
      allowWeakSecretKey: false,
    },
  );
  if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) {
    invalidOption('schema', 'an object of Standard Schema validators (zod, valibot, arktype …)', schema);
  }
  for (const [name, field] of Object.entries(schema)) {
    if (typeof (field as Partial<StandardSchemaV1> | null)?.['~standard']?.validate !== 'function') {
      invalidOption(
        `schema.${name}`,
        'a Standard Schema validator (zod 4 or 3.24+, valibot 1, arktype 2 …; older zod 3: upgrade to 3.24)',
        field,
      );
    }
  }
  if (typeof env !== 'object' || env === null) invalidOption('env', 'an object of strings', env);
  if (!Array.isArray(secrets)) invalidOption('secrets', 'an array of variable names', secrets);

  const source: Record<string, string | undefined> = { ...readEnvFile(envFile), ...stripEmpty(env) };
  const data: Record<string, unknown> = {};
  const issues: SettingsIssue[] = [];
  const report = (variable: string, problem: string) => {
    const raw = source[variable];
    let message = problem;
    if (raw !== undefined) {
      message += isSecretName(variable, secrets)
        ? ' (value hidden: secret)'
        : `, got \`${shown(redactUrlCredentials(raw.length > 60 ? `${raw.slice(0, 57)}...` : raw))}\``;
    }
    issues.push({ variable, message });
  };
  for (const [variable, parse] of Object.entries(BASE_SETTINGS_PARSERS)) {
    if (Object.hasOwn(schema, variable)) continue;
    const parsed = parse(source[variable]);
    if (parsed.ok) data[variable] = parsed.value;
    else report(variable, parsed.message);
  }
  for (const [variable, field] of Object.entries(schema)) {
    const raw = source[variable];
    const parsed = validateField(field, raw);
    if (parsed.ok) data[variable] = parsed.value;
    else report(variable, raw === undefined && !parsed.async ? 'is required: set this variable' : parsed.message);
  }
  if (!allowWeakSecretKey && data.DEBUG === false) {
    const keys: [string, unknown][] = [
      ['SECRET_KEY', data.SECRET_KEY],
      ...(Array.isArray(data.SECRET_KEY_FALLBACKS) ? data.SECRET_KEY_FALLBACKS : []).map(
        (key, index): [string, unknown] => [`SECRET_KEY_FALLBACKS[${index}]`, key],
      ),
    ];
    for (const [variable, key] of keys) {
      const issue = typeof key === 'string' ? weakKeyIssue(variable, key) : undefined;
      if (issue) issues.push(issue);
    }
  }
  if (issues.length > 0) throw new SettingsError(issues);
  return protect(data, secrets) as Settings<Shape>;
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
