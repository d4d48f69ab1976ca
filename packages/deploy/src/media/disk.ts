import { randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { invalidOption } from '../errors.js';
import { deployOptions } from '../options.js';
import { contentTypeFor } from '../static/mime.js';
import {
  assertMediaName,
  bytesOf,
  type MediaBody,
  type MediaStat,
  notFound,
  type OpenRange,
  type SaveOptions,
  type Storage,
  statDerived,
  unavailable,
} from './storage.js';

/** Options of {@link diskStorage}. */
export interface DiskStorageOptions {
  /** Absolute directory the files live in (`MEDIA_ROOT`); created on the first save. */
  root: string;
  /**
   * URL prefix of the files (`MEDIA_URL`), ending with `/`.
   * @defaultValue `'/media/'`
   */
  baseUrl?: string | undefined;
}

/** Defaults of {@link diskStorage}. */
export const DISK_STORAGE_DEFAULTS = { baseUrl: '/media/' } as const;

const isMissing = (error: unknown) => (error as { code?: string } | null)?.code === 'ENOENT';

/**
 * Media files on the local disk (Django's `FileSystemStorage`), the embedded default. A save
 * writes a temporary file in the target directory and renames it into place, so a reader never
 * sees half a file and a failed or aborted write leaves nothing. Names are validated: a user's
 * path never reaches the disk.
 *
 * @example
 * ```ts
 * const storage = diskStorage({ root: '/var/lib/app/media', baseUrl: '/media/' });
 * await storage.save('avatars/1.png', bytes, { contentType: 'image/png' });
 * ```
 */
export function diskStorage(options: DiskStorageOptions): Storage {
  const o = deployOptions('diskStorage', options, { root: true, baseUrl: true }, DISK_STORAGE_DEFAULTS);
  if (typeof o.root !== 'string' || !isAbsolute(o.root)) invalidOption('root', 'an absolute directory path', o.root);
  if (typeof o.baseUrl !== 'string' || !o.baseUrl.endsWith('/'))
    invalidOption('baseUrl', 'a URL prefix ending with `/`', o.baseUrl);
  const root = resolve(o.root);
  const baseUrl = o.baseUrl;
  const pathOf = (name: string) => {
    assertMediaName(name);
    return join(root, ...name.split('/'));
  };

  // async: a bad name rejects (as every Storage member does) rather than throwing synchronously
  const statOf = async (name: string) => statFile(pathOf(name), name);
  return {
    save: async (name: string, body: MediaBody, saveOptions?: SaveOptions) =>
      saveFile(pathOf(name), name, body, saveOptions?.signal),
    open: async (name: string, range?: OpenRange) => openFile(pathOf(name), name, range),
    delete: async (name: string) => deleteFile(pathOf(name), name),
    ...statDerived(statOf, baseUrl),
  };
}

/** The stat of the file at `path` (stored as `name`); `null` when missing or not a file. */
async function statFile(path: string, name: string): Promise<MediaStat | null> {
  try {
    const s = await stat(path);
    if (!s.isFile()) return null;
    return {
      size: s.size,
      lastModified: new Date(Math.floor(s.mtimeMs / 1000) * 1000),
      etag: `"${s.size.toString(16)}-${Math.floor(s.mtimeMs).toString(16)}-${s.ino.toString(16)}"`,
      contentType: contentTypeFor(extname(name)),
    };
  } catch (error) {
    if (isMissing(error) || (error as { code?: string }).code === 'ENOTDIR') return null;
    throw unavailable('disk', `stat ${JSON.stringify(name)}`, error);
  }
}

/** Writes a temporary file beside `path`, then renames it into place (a reader never sees half a file). */
async function saveFile(
  path: string,
  name: string,
  body: MediaBody,
  signal: AbortSignal | undefined,
): Promise<{ name: string; size: number }> {
  signal?.throwIfAborted();
  const temp = join(dirname(path), `.tmp-${randomUUID()}`);
  try {
    await mkdir(dirname(path), { recursive: true });
    let size = 0;
    const counted = async function* () {
      for await (const chunk of bytesOf(body)) {
        size += chunk.byteLength;
        yield chunk;
      }
    };
    await pipeline(Readable.from(counted()), createWriteStream(temp, { flags: 'wx' }), signal ? { signal } : {});
    await rename(temp, path);
    return { name, size };
  } catch (error) {
    await rm(temp, { force: true }).catch(() => {}); // nothing to remove when the directory could not be made
    if (signal?.aborted || (error as Error).name === 'AbortError') throw error;
    if ((error as { syscall?: string }).syscall) throw unavailable('disk', `save ${JSON.stringify(name)}`, error);
    throw error; // the body's own failure (a client gone mid-upload): not the disk's
  }
}

/** A web stream of the file (or of the inclusive `range`). */
async function openFile(path: string, name: string, range?: OpenRange): Promise<ReadableStream<Uint8Array>> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'r');
  } catch (error) {
    if (isMissing(error) || (error as { code?: string }).code === 'EISDIR') throw notFound(name, error);
    throw unavailable('disk', `open ${JSON.stringify(name)}`, error);
  }
  const stream = createReadStream('', { fd: handle, ...(range ? { start: range.start, end: range.end } : {}) });
  return Readable.toWeb(stream) as ReadableStream<Uint8Array>;
}

/** Removes the file; `false` when it was not there. */
async function deleteFile(path: string, name: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (error) {
    if (isMissing(error)) return false;
    throw unavailable('disk', `delete ${JSON.stringify(name)}`, error);
  }
}
