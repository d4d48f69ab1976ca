/**
 * `@adv/deploy/media`: media files (user uploads) — a `Storage` contract with a disk backend
 * (the embedded default) and an S3 one (`@aws-sdk/client-s3`, an optional peer), an upload
 * handler (`busboy` and `file-type`, optional peers) and safe serving with signed URLs. Kept
 * out of the root entry so an app without uploads never installs or loads them.
 */
export { UploadError, type UploadErrorReason } from '../errors.js';
export { DISK_STORAGE_DEFAULTS, type DiskStorageOptions, diskStorage } from '../media/disk.js';
export { storageFromUrl } from '../media/from-url.js';
export { S3_STORAGE_DEFAULTS, type S3ClientLike, type S3StorageOptions, s3Storage } from '../media/s3.js';
export {
  INLINE_MEDIA_TYPES,
  SERVE_MEDIA_DEFAULTS,
  type ServeMediaOptions,
  type SignMediaUrlOptions,
  serveMedia,
  signMediaUrl,
} from '../media/serve.js';
export {
  assertMediaName,
  isMediaName,
  type MediaBody,
  type MediaStat,
  type OpenRange,
  type SaveOptions,
  type Storage,
} from '../media/storage.js';
export {
  handleUpload,
  UPLOAD_DEFAULTS,
  type UploadedFile,
  type UploadOptions,
  type UploadResult,
  uploadHandler,
} from '../media/upload.js';
