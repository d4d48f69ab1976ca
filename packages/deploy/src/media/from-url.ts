import { fileURLToPath } from 'node:url';
import { DeployError } from '../errors.js';
import { type DiskStorageOptions, diskStorage } from './disk.js';
import { s3Storage } from './s3.js';
import type { Storage } from './storage.js';

function invalid(message: string): never {
  throw new DeployError('ERR_INVALID_OPTION', message);
}

/**
 * The media storage a URL names (`MEDIA_STORAGE_URL`), or `diskStorage(disk)` when it is unset:
 * the embedded default on one machine, S3 when several share the files.
 *
 * - `file:///var/lib/app/media`: `diskStorage` there (with `disk.baseUrl`);
 * - `s3://bucket/optional/prefix/?region=eu-west-1`: AWS S3, credentials from the SDK's chain
 *   (or `s3://KEY:SECRET@bucket/…`);
 * - `s3+http://KEY:SECRET@127.0.0.1:9000/bucket/prefix/` and `s3+https://…`: an S3-compatible
 *   server (MinIO, R2, s3rver), path-style.
 *
 * `?baseUrl=` sets the public URL prefix of S3 files (a CDN, or `MEDIA_URL` when `serveMedia` serves them).
 * Error messages never include the secret.
 *
 * @example
 * ```ts
 * const storage = storageFromUrl(process.env.MEDIA_STORAGE_URL, { root: settings.MEDIA_ROOT ?? '/var/lib/app/media' });
 * ```
 */
export function storageFromUrl(url: string | undefined, disk: DiskStorageOptions): Storage {
  if (url === undefined || url.trim() === '') return diskStorage(disk);
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return invalid('Expected `url` to be a file:, s3:, s3+http: or s3+https: URL, got a string that is not a URL');
  }
  const shown = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
  if (parsed.protocol === 'file:') return diskStorage({ ...disk, root: fileURLToPath(parsed) });
  const credentials = parsed.username
    ? { accessKeyId: decodeURIComponent(parsed.username), secretAccessKey: decodeURIComponent(parsed.password) }
    : undefined;
  const region = parsed.searchParams.get('region') ?? undefined;
  const baseUrl = parsed.searchParams.get('baseUrl') ?? undefined;
  const prefixOf = (segments: string[]) => (segments.length > 0 ? `${segments.join('/')}/` : '');
  const common = {
    ...(credentials ? { credentials } : {}),
    ...(region ? { region } : {}),
    ...(baseUrl ? { baseUrl } : {}),
  };
  if (parsed.protocol === 's3:') {
    if (!parsed.hostname) invalid(`Expected the S3 URL ${shown} to name a bucket: s3://bucket/prefix/`);
    const segments = parsed.pathname.split('/').filter(Boolean);
    return s3Storage({ bucket: parsed.hostname, keyPrefix: prefixOf(segments), ...common });
  }
  if (parsed.protocol === 's3+http:' || parsed.protocol === 's3+https:') {
    const [bucket, ...segments] = parsed.pathname.split('/').filter(Boolean);
    if (!bucket) invalid(`Expected the S3 URL ${shown} to name a bucket: s3+http://host:port/bucket/prefix/`);
    const endpoint = `${parsed.protocol === 's3+http:' ? 'http' : 'https'}://${parsed.host}`;
    return s3Storage({ bucket, endpoint, keyPrefix: prefixOf(segments), ...common });
  }
  return invalid(`Expected \`url\` to be a file:, s3:, s3+http: or s3+https: URL, got ${shown}`);
}
