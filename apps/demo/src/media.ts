import { fileURLToPath } from 'node:url';
import { type Storage, serveMedia, storageFromUrl, type UploadError, type UploadOptions } from '@adv/deploy/media';
import type { Middleware } from '@adv/types';
import type { DemoConfig } from './config.js';

/**
 * The image types an article accepts, as `file-type` detects them from the bytes (never the
 * file's name or the browser's Content-Type). No SVG: it is text and may carry script.
 */
export const IMAGE_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/webp', 'image/gif'];

/** Room for the form's text fields on top of the image in one request. */
const FIELD_BYTES = 64 * 1024;

/** The demo's media: where uploads are stored, how they are checked and served. */
export interface DemoMedia {
  /** Disk (MEDIA_ROOT) unless MEDIA_STORAGE_URL names S3. */
  storage: Storage;
  /** The directory of the files when they are on this machine's disk (backups copy it), else `undefined` (S3). */
  diskRoot: string | undefined;
  /** What `handleUpload` is called with for an article's image (without the request's signal). */
  upload: Omit<UploadOptions, 'signal'>;
  /** Serves MEDIA_URL from the storage (nginx serves it in front of one machine's disk in production). */
  middleware: Middleware;
  /** The public URL of a stored file. */
  url(name: string): string;
}

/**
 * The directory the media files are in when they are on this machine's disk (MEDIA_ROOT, or a
 * `file:` MEDIA_STORAGE_URL), so backups copy them; `undefined` when they are in S3.
 */
export function mediaDiskRoot(config: DemoConfig): string | undefined {
  const { storageUrl, root } = config.media;
  if (storageUrl === undefined) return root;
  return storageUrl.startsWith('file:') ? fileURLToPath(storageUrl) : undefined;
}

/**
 * Media from the configuration: `storageFromUrl(MEDIA_STORAGE_URL, { root: MEDIA_ROOT })`, so one
 * machine keeps images on disk and several share a bucket; uploads limited to MEDIA_MAX_UPLOAD_BYTES.
 */
export function createMedia(config: DemoConfig, storage?: Storage): DemoMedia {
  const { media, settings } = config;
  const chosen = storage ?? storageFromUrl(media.storageUrl, { root: media.root, baseUrl: media.url });
  const maxFileBytes = media.maxUploadBytes === 0 ? undefined : media.maxUploadBytes;
  return {
    storage: chosen,
    diskRoot: storage === undefined ? mediaDiskRoot(config) : undefined,
    upload: {
      storage: chosen,
      allow: IMAGE_TYPES,
      maxFileBytes,
      maxRequestBytes: maxFileBytes === undefined ? undefined : maxFileBytes + FIELD_BYTES,
      maxFiles: 1,
      maxFields: 10,
      directory: 'uploads/',
    },
    middleware: serveMedia({ storage: chosen, prefix: media.url, secretKey: settings.SECRET_KEY }),
    url: (name) => chosen.url(name),
  };
}

/** The status and message key of an upload that failed, for the new-article page. */
export function uploadFailure(error: UploadError): { status: number; message: string } {
  switch (error.reason) {
    case 'too-large':
    case 'too-many':
      return { status: 413, message: 'form.imageTooLarge' };
    case 'type':
      return { status: 415, message: 'form.imageType' };
    case 'storage':
      return { status: 503, message: 'form.imageUnavailable' };
    default:
      return { status: 400, message: 'form.imageBroken' };
  }
}
