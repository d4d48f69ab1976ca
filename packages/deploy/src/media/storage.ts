import { DeployError } from '../errors.js';

/** What {@link Storage.save} accepts: a web stream, Node readable / async iterable of bytes, or the bytes themselves. */
export type MediaBody = ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | Uint8Array | string;

/** Options of {@link Storage.save}. */
export interface SaveOptions {
  /** The MIME type to record with the file (S3 stores it; the disk backend derives it from the extension). */
  contentType?: string | undefined;
  /** Aborts the write; the partial file is removed. */
  signal?: AbortSignal | undefined;
}

/** A byte range of {@link Storage.open}, both ends inclusive (as HTTP's `Range`). */
export interface OpenRange {
  /** First byte. */
  start: number;
  /** Last byte (inclusive). */
  end: number;
}

/** What {@link Storage.stat} knows about a stored file. */
export interface MediaStat {
  /** Size in bytes. */
  size: number;
  /** Last modification time. */
  lastModified: Date;
  /** A strong validator for `ETag` (quoted). */
  etag: string;
  /** The MIME type (recorded at save, or from the extension). */
  contentType: string;
}

/**
 * Where media files (user uploads) live: Django's `Storage`. Names are relative, `/`-separated
 * and validated by every backend with {@link assertMediaName}: no user path ever reaches the disk or the bucket.
 */
export interface Storage {
  /** Writes `body` under `name` (replacing an existing file) and returns its size; a failed or aborted write leaves nothing behind. */
  save(name: string, body: MediaBody, options?: SaveOptions): Promise<{ name: string; size: number }>;
  /** Reads the file (or `range` of it) as a web stream; `ERR_MEDIA_NOT_FOUND` when it does not exist. */
  open(name: string, range?: OpenRange): Promise<ReadableStream<Uint8Array>>;
  /** Removes the file; resolves `false` when there was none. */
  delete(name: string): Promise<boolean>;
  /** Whether the file exists. */
  exists(name: string): Promise<boolean>;
  /** The public URL of the file (`baseUrl` + the encoded name). */
  url(name: string): string;
  /** Size in bytes; `ERR_MEDIA_NOT_FOUND` when it does not exist. */
  size(name: string): Promise<number>;
  /** Size, time, ETag and type; `null` when the file does not exist. */
  stat(name: string): Promise<MediaStat | null>;
}

const SEGMENT = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,254}$/;

/**
 * Refuses any name that is not a plain relative path of safe segments: each segment starts with
 * a letter, digit or `_` (so no `..`, no hidden files) and holds only letters, digits, `.`, `_`
 * and `-`; at most 1024 characters. Throws `ERR_MEDIA_NAME`.
 */
export function assertMediaName(name: unknown): asserts name is string {
  const ok =
    typeof name === 'string' &&
    name.length > 0 &&
    name.length <= 1024 &&
    name.split('/').every((segment) => SEGMENT.test(segment));
  if (!ok) {
    const shown = typeof name === 'string' ? JSON.stringify(name.slice(0, 80)) : typeof name;
    throw new DeployError(
      'ERR_MEDIA_NAME',
      `Invalid media file name ${shown}: use relative \`/\`-separated segments of letters, digits, \`.\`, \`_\` and \`-\`, each starting with a letter, digit or \`_\``,
    );
  }
}

/** Whether `name` passes {@link assertMediaName}. */
export function isMediaName(name: unknown): name is string {
  try {
    assertMediaName(name);
    return true;
  } catch {
    return false;
  }
}

/** `ERR_MEDIA_NOT_FOUND` for `name`. */
export function notFound(name: string, cause?: unknown): DeployError {
  return new DeployError('ERR_MEDIA_NOT_FOUND', `Media file ${JSON.stringify(name)} does not exist`, { cause });
}

/** `ERR_STORAGE_UNAVAILABLE` wrapping a backend failure. */
export function unavailable(backend: string, action: string, cause: unknown): DeployError {
  const reason = cause instanceof Error ? cause.message : String(cause);
  return new DeployError('ERR_STORAGE_UNAVAILABLE', `The ${backend} media storage failed to ${action}: ${reason}`, {
    cause,
  });
}

/** Normalises a {@link MediaBody} to an async iterable of bytes. */
export async function* bytesOf(body: MediaBody): AsyncGenerator<Uint8Array> {
  if (typeof body === 'string') {
    yield new TextEncoder().encode(body);
  } else if (body instanceof Uint8Array) {
    yield body;
  } else if (typeof (body as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (body as ReadableStream<Uint8Array>).getReader();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        yield value;
      }
    } finally {
      reader.releaseLock();
    }
  } else {
    for await (const chunk of body as AsyncIterable<Uint8Array>)
      yield typeof chunk === 'string' ? new TextEncoder().encode(chunk) : chunk;
  }
}

/** Appends the encoded `name` to `baseUrl` (which ends with `/`). */
export function joinUrl(baseUrl: string, name: string): string {
  return baseUrl + name.split('/').map(encodeURIComponent).join('/');
}

/**
 * The members every backend derives from its own `stat` and base URL alone (`exists`, `url`,
 * `size`, `stat`), so disk and S3 answer them the same way.
 */
export function statDerived(
  statOf: (name: string) => Promise<MediaStat | null>,
  baseUrl: string,
): Pick<Storage, 'exists' | 'url' | 'size' | 'stat'> {
  return {
    async exists(name: string) {
      return (await statOf(name)) !== null;
    },
    url(name: string) {
      assertMediaName(name);
      return joinUrl(baseUrl, name);
    },
    async size(name: string) {
      const stat = await statOf(name);
      if (!stat) throw notFound(name);
      return stat.size;
    },
    stat: statOf,
  };
}
