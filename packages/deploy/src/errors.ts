/** Machine-readable reason of a {@link DeployError}. */
export type DeployErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_INVALID_SETTINGS'
  | 'ERR_ENV_FILE'
  | 'ERR_STATIC_SOURCE'
  | 'ERR_MANIFEST'
  | 'ERR_CLI_USAGE'
  /** An optional peer dependency is not installed (`prom-client` for `@adv/deploy/metrics`, `pino` for `@adv/deploy/logging`). */
  | 'ERR_MISSING_DEPENDENCY';

/** Base error of @adv/deploy: branch on `code`; the original failure is in `cause`. */
export class DeployError extends Error {
  override readonly name: string = 'DeployError';
  readonly code: DeployErrorCode;

  constructor(code: DeployErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** One invalid or missing setting, as reported by {@link SettingsError}. */
export interface SettingsIssue {
  /** The environment variable to set or fix, e.g. `SECRET_KEY`. */
  variable: string;
  /** What is wrong; never contains the value of a secret. */
  message: string;
  /** The deploy check the problem corresponds to, when there is one (e.g. `security.W009` for a weak key). */
  check?: string;
}

/**
 * Thrown by `defineSettings` when one or more settings are missing or invalid: the message
 * lists every problem at once (not just the first), and secret values are never included.
 */
export class SettingsError extends DeployError {
  override readonly name = 'SettingsError';
  /** Every problem found, in schema order. */
  readonly issues: readonly SettingsIssue[];

  constructor(issues: readonly SettingsIssue[]) {
    const lines = issues.map((issue) => `  - ${issue.variable}: ${issue.message}`);
    super(
      'ERR_INVALID_SETTINGS',
      `Invalid settings (${issues.length} ${issues.length === 1 ? 'problem' : 'problems'}); set or fix these environment variables:\n${lines.join('\n')}`,
    );
    this.issues = issues;
  }
}

/** Describes a value for an error message: `` `-1` (number) ``. */
export function describeValue(value: unknown): string {
  let shown: string;
  try {
    shown = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  } catch {
    shown = String(value);
  }
  if (shown.length > 60) shown = `${shown.slice(0, 57)}...`;
  return `\`${shown}\` (${value === null ? 'null' : Array.isArray(value) ? 'array' : typeof value})`;
}

/** Throws the p-queue-shaped `Expected ...` error for a bad option. */
export function invalidOption(name: string, expected: string, value: unknown): never {
  throw new DeployError('ERR_INVALID_OPTION', `Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`);
}
