import { AdvError, describeValue, expectedMessage } from '@adv/types';

/** Machine-readable reason of a {@link DeployError}. */
export type DeployErrorCode =
  | 'ERR_INVALID_OPTION'
  | 'ERR_INVALID_SETTINGS'
  | 'ERR_ENV_FILE'
  | 'ERR_STATIC_SOURCE'
  | 'ERR_MANIFEST'
  | 'ERR_CLI_USAGE'
  /** An optional peer dependency is not installed (`prom-client` for `@adv/deploy/metrics`, `pino` for `@adv/deploy/logging`). */
  | 'ERR_MISSING_DEPENDENCY'
  /** A media file name that is not a safe storage name (`../`, NUL, a leading dot, too long …). */
  | 'ERR_MEDIA_NAME'
  /** The media file does not exist in the storage. */
  | 'ERR_MEDIA_NOT_FOUND'
  /** The storage backend failed (disk error, S3 unreachable): answer 503. */
  | 'ERR_STORAGE_UNAVAILABLE'
  /** An upload was refused: see {@link UploadError}'s `reason` and `status`. */
  | 'ERR_UPLOAD';

/** Base error of @adv/deploy: branch on `code`; the original failure is in `cause` (see `AdvError`). */
export class DeployError extends AdvError<DeployErrorCode> {
  override readonly name: string = 'DeployError';
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

// The one rule of `@adv/types` (re-exported so that every module here keeps importing it from errors.js).
export { describeValue };

/** Throws the p-queue-shaped `Expected ...` error for a bad option. */
export function invalidOption(name: string, expected: string, value: unknown): never {
  throw new DeployError('ERR_INVALID_OPTION', expectedMessage(name, expected, value));
}

/** Why {@link UploadError} refused an upload. */
export type UploadErrorReason =
  /** A file is larger than `maxFileBytes`, or the body larger than `maxRequestBytes` (413). */
  | 'too-large'
  /** More files (or fields) than allowed (413). */
  | 'too-many'
  /** The content is not one of the allowed types, whatever its name or Content-Type says (415). */
  | 'type'
  /** Not a `multipart/form-data` body, or a truncated or malformed one (400). */
  | 'malformed'
  /** The client went away or `signal` aborted before the body was read (499, never sent). */
  | 'aborted'
  /** The storage backend failed (503). */
  | 'storage';

const UPLOAD_STATUS: Readonly<Record<UploadErrorReason, number>> = {
  'too-large': 413,
  'too-many': 413,
  type: 415,
  malformed: 400,
  aborted: 499,
  storage: 503,
};

/** An upload refused by `handleUpload`: `status` is the HTTP status to answer with. Nothing of the request is left in the storage. */
export class UploadError extends DeployError {
  override readonly name = 'UploadError';
  /** Why the upload was refused. */
  readonly reason: UploadErrorReason;
  /** The HTTP status for the response: 413, 415, 400, 499 (client gone) or 503. */
  readonly status: number;

  constructor(reason: UploadErrorReason, message: string, options?: { cause?: unknown }) {
    super('ERR_UPLOAD', message, options);
    this.reason = reason;
    this.status = UPLOAD_STATUS[reason];
  }
}
