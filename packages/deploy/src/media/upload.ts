import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import type Busboy from 'busboy';
import { DeployError, invalidOption, UploadError } from '../errors.js';
import { deployOptions } from '../options.js';
import { loadPeer } from '../peer.js';
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

/** One saved file of an {@link UploadResult}. */
export interface UploadedFile {
  /** The form field it came in. */
  field: string;
  /** The generated storage name (`uploads/<uuid>.<ext>`): the only name that reaches the storage. */
  name: string;
  /** `storage.url(name)`. */
  url: string;
  /** Size in bytes. */
  size: number;
  /** The MIME type detected from the content. */
  type: string;
  /** The client's filename reduced to its last segment without control characters (for display only; never used as a path). */
  originalName: string;
}

/** What {@link handleUpload} resolves with. */
export interface UploadResult {
  /** The saved files, in request order. */
  files: UploadedFile[];
  /** The non-file fields (the last value wins for a repeated name). */
  fields: Record<string, string>;
}

/** The formats `file-type` cannot tell from their bytes: refused in `allow` (they would never match, and they run script inline). */
const UNDETECTABLE = /^(image\/svg\+xml|text\/.*|application\/(xhtml\+xml|xml|json|javascript))$/;
const SAMPLE_BYTES = 4100; // file-type's reasonableDetectionSizeInBytes
const BUSBOY = { name: 'busboy', range: '^1.6.0', feature: 'handleUpload()' } as const;

type FileTypeModule = typeof import('file-type');
let fileTypeModule: Promise<FileTypeModule> | undefined;
function loadFileType(): Promise<FileTypeModule> {
  fileTypeModule ??= import('file-type').catch((error: unknown) => {
    fileTypeModule = undefined;
    if ((error as { code?: string }).code === 'ERR_MODULE_NOT_FOUND' && String(error).includes("'file-type'")) {
      throw new DeployError(
        'ERR_MISSING_DEPENDENCY',
        'handleUpload() needs `file-type` (^21.0.0), an optional peer dependency of @adv/deploy: install it with `npm install file-type`',
        { cause: error },
      );
    }
    throw error;
  });
  return fileTypeModule;
}

type ResolvedUpload = ReturnType<typeof resolveUploadOptions>;

function positiveInteger(name: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1)
    invalidOption(name, 'a positive integer', value);
}

function resolveUploadOptions(options: UploadOptions) {
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

/** The client's filename for display: last segment, no control characters, at most 255 characters. */
function displayName(filename: string | undefined): string {
  const last = (filename ?? '').split(/[/\\]/).pop() ?? '';
  const printable = [...last].filter((c) => c.charCodeAt(0) > 0x1f && c.charCodeAt(0) !== 0x7f).join('');
  return printable.trim().slice(0, 255);
}

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

async function receive(request: Request, o: ResolvedUpload): Promise<UploadResult> {
  const contentType = request.headers.get('content-type') ?? '';
  if (!/^multipart\/form-data\s*;/i.test(contentType))
    throw new UploadError(
      'malformed',
      `Expected a multipart/form-data body, got Content-Type ${JSON.stringify(contentType)}`,
    );
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > o.maxRequestBytes)
    throw new UploadError(
      'too-large',
      `The request body (${declared} bytes) is larger than maxRequestBytes (${o.maxRequestBytes})`,
    );
  if (!request.body) throw new UploadError('malformed', 'The request has no body');
  const busboy = loadPeer<typeof Busboy>(BUSBOY);
  const { fileTypeFromBuffer } = await loadFileType();

  const controller = new AbortController();
  const saved: string[] = [];
  const slots: (UploadedFile | null)[] = [];
  const fields: Record<string, string> = {};
  const pending: Promise<void>[] = [];
  const active = new Set<Readable>();
  let failure: UploadError | undefined;
  let finished!: () => void;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });

  const fail = (error: UploadError) => {
    if (failure) return;
    failure = error;
    controller.abort(error);
    for (const stream of active) stream.destroy(error);
    finished();
  };
  const onAbort = (signal: AbortSignal) => () =>
    fail(new UploadError('aborted', 'The upload was aborted before it completed', { cause: signal.reason }));
  const signals = [o.signal, request.signal].filter((s): s is AbortSignal => s !== undefined);
  const listeners = signals.map((signal) => {
    const listener = onAbort(signal);
    if (signal.aborted) listener();
    else signal.addEventListener('abort', listener, { once: true });
    return [signal, listener] as const;
  });

  let bb: Busboy.Busboy;
  try {
    bb = busboy({
      headers: { 'content-type': contentType },
      limits: {
        fileSize: o.maxFileBytes,
        files: o.maxFiles,
        fields: o.maxFields,
        fieldSize: o.maxFieldBytes,
        parts: o.maxFiles + o.maxFields,
      },
    });
  } catch (error) {
    throw new UploadError('malformed', `Malformed multipart request: ${(error as Error).message}`, { cause: error });
  }

  const tooMany = (what: string, max: number) => () =>
    fail(new UploadError('too-many', `The request has more ${what} than allowed (${max})`));
  bb.on('filesLimit', tooMany('files', o.maxFiles));
  bb.on('fieldsLimit', tooMany('fields', o.maxFields));
  bb.on('partsLimit', tooMany('parts', o.maxFiles + o.maxFields));
  bb.on('error', (error: Error) =>
    fail(new UploadError('malformed', `Malformed multipart request: ${error.message}`, { cause: error })),
  );
  bb.on('close', () => finished());
  bb.on('field', (name, value, info) => {
    if (info.valueTruncated)
      fail(
        new UploadError(
          'too-large',
          `The field ${JSON.stringify(name)} is larger than maxFieldBytes (${o.maxFieldBytes})`,
        ),
      );
    else fields[name] = value;
  });
  bb.on('file', (field, stream, info) => {
    if (failure) {
      stream.resume();
      return;
    }
    active.add(stream);
    const index = slots.length;
    slots.push(null); // saves finish in any order: each file keeps its place in the request
    const work = saveFile(field, stream, info.filename).then(
      (file) => {
        slots[index] = file;
      },
      (error: unknown) => {
        if (error instanceof UploadError) fail(error);
        else if ((error as DeployError).code === 'ERR_STORAGE_UNAVAILABLE')
          fail(new UploadError('storage', (error as Error).message, { cause: error }));
        else if (!failure)
          fail(new UploadError('malformed', `Upload failed: ${(error as Error).message}`, { cause: error }));
      },
    );
    pending.push(work.finally(() => active.delete(stream)));
  });

  async function saveFile(field: string, stream: Readable, filename: string | undefined): Promise<UploadedFile | null> {
    const tooLarge = () =>
      new UploadError(
        'too-large',
        `The file in field ${JSON.stringify(field)} is larger than maxFileBytes (${o.maxFileBytes})`,
      );
    stream.once('limit', () => stream.destroy(tooLarge()));
    const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const head: Buffer[] = [];
    let headBytes = 0;
    let ended = false;
    while (headBytes < SAMPLE_BYTES) {
      const next = await iterator.next();
      if (next.done) {
        ended = true;
        break;
      }
      head.push(next.value);
      headBytes += next.value.byteLength;
    }
    if (ended && headBytes === 0 && !filename) return null; // an empty file input: nothing was chosen
    const sample = Buffer.concat(head);
    const detected = await fileTypeFromBuffer(sample.subarray(0, SAMPLE_BYTES));
    if (!detected || !o.allow.includes(detected.mime)) {
      stream.resume();
      throw new UploadError(
        'type',
        `The file in field ${JSON.stringify(field)} is ${detected ? detected.mime : 'of an unrecognised type'}, not one of ${o.allow.join(', ')} (checked by content, not by its name)`,
      );
    }
    const name = `${o.directory}${randomUUID()}.${detected.ext}`;
    saved.push(name);
    async function* body() {
      yield sample;
      if (ended) return;
      for (;;) {
        const next = await iterator.next();
        if (next.done) return;
        yield next.value;
      }
    }
    const { size } = await o.storage.save(name, body(), { contentType: detected.mime, signal: controller.signal });
    if ((stream as Readable & { truncated?: boolean }).truncated) throw tooLarge();
    return { field, name, url: o.storage.url(name), size, type: detected.mime, originalName: displayName(filename) };
  }

  const reader = request.body.getReader();
  let received = 0;
  const feed = async () => {
    try {
      while (!failure) {
        const { done: end, value } = await reader.read();
        if (end) break;
        received += value.byteLength;
        if (received > o.maxRequestBytes) {
          fail(new UploadError('too-large', `The request body is larger than maxRequestBytes (${o.maxRequestBytes})`));
          break;
        }
        if (!bb.write(value) && !failure) {
          let go: () => void = () => {};
          const drained = new Promise<void>((resolve) => {
            go = resolve;
          });
          bb.once('drain', go);
          await Promise.race([drained, done]);
          bb.off('drain', go);
        }
      }
      if (!failure) bb.end();
    } catch (error) {
      fail(
        new UploadError('aborted', `The request body could not be read: ${(error as Error).message}`, { cause: error }),
      );
    } finally {
      if (failure) reader.cancel().catch(() => {});
    }
  };

  try {
    await Promise.all([feed(), done]);
    await Promise.all(pending);
    // busboy may report a truncated body only after its last file ended
    if (failure) throw failure;
    return { files: slots.filter((file): file is UploadedFile => file !== null), fields };
  } catch (error) {
    if (!failure)
      fail(error instanceof UploadError ? error : new UploadError('malformed', String(error), { cause: error }));
    await Promise.allSettled(pending);
    await Promise.allSettled(saved.map((name) => o.storage.delete(name)));
    throw failure;
  } finally {
    for (const [signal, listener] of listeners) signal.removeEventListener('abort', listener);
    if (failure) bb.destroy();
  }
}
