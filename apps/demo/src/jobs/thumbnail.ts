import type { Storage } from '@adv/deploy/media';
import sharp from 'sharp';

/** Longest side of a thumbnail, in CSS pixels. */
export const THUMBNAIL_SIZE = 320;

/** Why a thumbnail cannot be made from an image; retrying would not help (the task does not). */
export type ThumbnailErrorCode = 'ERR_IMAGE_TOO_LARGE' | 'ERR_IMAGE_UNREADABLE';

/** An image the thumbnail task refuses: over the pixel limit (a decompression bomb) or not decodable. */
export class ThumbnailError extends Error {
  override readonly name = 'ThumbnailError';
  readonly code: ThumbnailErrorCode;

  constructor(code: ThumbnailErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
  }
}

/** The storage name of the thumbnail of `image` (`uploads/<uuid>.png` -> `thumbnails/<uuid>.webp`): the same on every retry. */
export function thumbnailName(image: string): string {
  const base = image.slice(image.lastIndexOf('/') + 1).replace(/\.[^.]*$/, '');
  return `thumbnails/${base}.webp`;
}

/**
 * Makes a WebP thumbnail (at most {@link THUMBNAIL_SIZE} px on its longest side, turned upright
 * by its EXIF orientation) of the stored `image` and stores it; returns its name. sharp reads the
 * dimensions from the header before decoding anything, so an image over `maxPixels` (a small
 * file that would decode to gigabytes) fails at once with `ERR_IMAGE_TOO_LARGE`, before any
 * memory is spent on it.
 */
export async function makeThumbnail(
  storage: Storage,
  image: string,
  options: { maxPixels: number; signal?: AbortSignal },
): Promise<{ name: string; bytes: number }> {
  const original = Buffer.from(await new Response(await storage.open(image)).arrayBuffer());
  options.signal?.throwIfAborted();
  let thumbnail: Buffer;
  try {
    thumbnail = await sharp(original, { limitInputPixels: options.maxPixels, failOn: 'error' })
      .rotate()
      .resize(THUMBNAIL_SIZE, THUMBNAIL_SIZE, { fit: 'inside', withoutEnlargement: true })
      .webp({ quality: 80 })
      .toBuffer();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/pixel limit/i.test(message)) {
      throw new ThumbnailError(
        'ERR_IMAGE_TOO_LARGE',
        `Image ${JSON.stringify(image)} is larger than THUMBNAIL_MAX_PIXELS (${options.maxPixels} pixels): no thumbnail (${message})`,
        { cause: error },
      );
    }
    throw new ThumbnailError(
      'ERR_IMAGE_UNREADABLE',
      `Image ${JSON.stringify(image)} could not be decoded: ${message}`,
      {
        cause: error,
      },
    );
  }
  const name = thumbnailName(image);
  await storage.save(name, thumbnail, {
    contentType: 'image/webp',
    ...(options.signal ? { signal: options.signal } : {}),
  });
  return { name, bytes: thumbnail.length };
}
