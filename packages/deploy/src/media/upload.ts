import { UploadError } from '../errors.js';
import { resolveUploadOptions, type UploadOptions } from './upload-options.js';
import { receive, type UploadResult } from './upload-receive.js';

export type { UploadedFile } from './upload-file.js';
export { UPLOAD_DEFAULTS, type UploadOptions } from './upload-options.js';
export type { UploadResult } from './upload-receive.js';

/**
 * Reads a `multipart/form-data` Fetch `Request`, streaming each file through `busboy` into the
 * storage. Each file's type is detected from its first bytes with `file-type` and checked
 * against `allow`; its name is generated (`uploads/<uuid>.<ext>`). Limits are enforced while
 * streaming. On any failure — too large (413), too many (413), wrong type (415), malformed or
 * truncated (400), client gone or `signal` aborted, storage down (503) — every file of the
 * request already saved is deleted and an {@link UploadError} is thrown.
 *
 * @example
 * ```ts
 * const { files } = await handleUpload(request, { storage, allow: ['image/png', 'image/jpeg'] });
 * ```
 */
export async function handleUpload(request: Request, options: UploadOptions): Promise<UploadResult> {
  return receive(request, resolveUploadOptions(options));
}

/**
 * {@link handleUpload} as a Fetch handler: `201` with `{ files, fields }` as JSON, or the
 * error's status with `{ error: reason, message }`. Options are validated once, here.
 */
export function uploadHandler(options: UploadOptions): (request: Request) => Promise<Response> {
  const o = resolveUploadOptions(options);
  return async function upload(request) {
    try {
      return Response.json(await receive(request, o), { status: 201 });
    } catch (error) {
      if (!(error instanceof UploadError)) throw error;
      const status = error.status === 499 ? 400 : error.status;
      return Response.json({ error: error.reason, message: error.message }, { status });
    }
  };
}
