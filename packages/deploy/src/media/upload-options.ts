import { invalidOption } from '../errors.js';
import { deployOptions } from '../options.js';
import { isMediaName, type Storage } from './storage.js';

/** Options of {@link handleUpload} and {@link uploadHandler}. */
export interface UploadOptions {
  /** Where accepted files are saved (`diskStorage(...)`, `s3Storage(...)`). */
  storage: Storage;
  /**
   * The MIME types accepted, as detected from the bytes by `file-type` (never the client's
   * filename or Content-Type). Text formats (SVG, HTML, XML …) cannot be identified by content
   * and are refused here.
   * @example `['image/png', 'image/jpeg', 'image/webp']`
   */
  allow: readonly string[];
  /**
   * Largest accepted file, in bytes; a larger one fails with 413 while streaming.
   * @defaultValue `10485760` (10 MiB)
   */
  maxFileBytes?: number | undefined;
  /**
   * Largest accepted request body, in bytes (all parts together); checked against
   * `Content-Length` first, then while streaming.
   * @defaultValue `52428800` (50 MiB)
   */
  maxRequestBytes?: number | undefined;
  /**
   * Most files in one request.
   * @defaultValue `10`
   */
  maxFiles?: number | undefined;
  /**
   * Most non-file fields in one request.
   * @defaultValue `100`
   */
  maxFields?: number | undefined;
  /**
   * Largest non-file field value, in bytes.
   * @defaultValue `65536`
   */
  maxFieldBytes?: number | undefined;
  /**
   * Folder of the generated names inside the storage, ending with `/` (or `''`).
   * @defaultValue `'uploads/'`
   */
  directory?: string | undefined;
  /** Aborts the upload; whatever was saved is removed. */
  signal?: AbortSignal | undefined;
}

/** Defaults of {@link handleUpload}. */
export const UPLOAD_DEFAULTS = {
  maxFileBytes: 10 * 1024 * 1024,
  maxRequestBytes: 50 * 1024 * 1024,
  maxFiles: 10,
  maxFields: 100,
  maxFieldBytes: 64 * 1024,
  directory: 'uploads/',
} as const;

/** The formats `file-type` cannot tell from their bytes: refused in `allow` (they would never match, and they run script inline). */
const UNDETECTABLE = /^(image\/svg\+xml|text\/.*|application\/(xhtml\+xml|xml|json|javascript))$/;

/** {@link UploadOptions} validated, with the defaults filled in. */
export type ResolvedUpload = ReturnType<typeof resolveUploadOptions>;

function positiveInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    invalidOption(name, 'a positive integer', value);
}

/** Validates {@link UploadOptions} once (unknown keys, limits, a text type in `allow`) and fills the defaults. */
export function resolveUploadOptions(options: UploadOptions) {
  const o = deployOptions(
    'handleUpload',
    options,
    {
      storage: true,
      allow: true,
      maxFileBytes: true,
      maxRequestBytes: true,
      maxFiles: true,
      maxFields: true,
      maxFieldBytes: true,
      directory: true,
      signal: true,
    },
    UPLOAD_DEFAULTS,
  );
  const storage = o.storage as Partial<Storage> | undefined;
  if (typeof storage?.save !== 'function' || typeof storage.delete !== 'function' || typeof storage.url !== 'function')
    invalidOption('storage', 'a Storage (diskStorage(), s3Storage() …)', o.storage);
  if (
    !Array.isArray(o.allow) ||
    o.allow.length === 0 ||
    !o.allow.every((t) => typeof t === 'string' && /^[a-z]+\/[\w.+-]+$/.test(t))
  )
    invalidOption('allow', 'a non-empty array of MIME types such as `image/png`', o.allow);
  const undetectable = o.allow.find((t) => UNDETECTABLE.test(t));
  if (undetectable)
    invalidOption(
      'allow',
      `types identifiable by content (${undetectable} is text: it cannot be checked and may carry script)`,
      o.allow,
    );
  for (const key of ['maxFileBytes', 'maxRequestBytes', 'maxFiles', 'maxFields', 'maxFieldBytes'] as const)
    positiveInteger(key, o[key]);
  if (o.maxRequestBytes < o.maxFileBytes)
    invalidOption('maxRequestBytes', `at least \`maxFileBytes\` (${o.maxFileBytes})`, o.maxRequestBytes);
  if (
    o.directory !== '' &&
    (typeof o.directory !== 'string' || !o.directory.endsWith('/') || !isMediaName(o.directory.slice(0, -1)))
  )
    invalidOption('directory', 'a safe folder name ending with `/` (or `""`)', o.directory);
  if (o.signal !== undefined && !(o.signal instanceof AbortSignal)) invalidOption('signal', 'an AbortSignal', o.signal);
  return o as typeof o & { storage: Storage };
}
