import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { DeployError, UploadError } from '../errors.js';
import type { ResolvedUpload } from './upload-options.js';

/**
 * One file part of an upload: its first bytes read to detect the type with `file-type`, checked
 * against `allow`, then streamed into the storage under a generated name.
 */

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

export const SAMPLE_BYTES = 4100; // file-type's reasonableDetectionSizeInBytes

type FileTypeModule = typeof import('file-type');

/**
 * `file-type`'s `fileTypeFromBuffer`, typed here so that no declaration of this package names
 * `file-type` (an optional peer: a strict consumer without it must still compile).
 */
export type DetectType = (sample: Uint8Array) => Promise<{ ext: string; mime: string } | undefined>;
let fileTypeModule: Promise<FileTypeModule> | undefined;
/** Loads `file-type` once; a missing install throws `ERR_MISSING_DEPENDENCY` naming it. */
export function loadFileType(): Promise<{ fileTypeFromBuffer: DetectType }> {
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

/** The client's filename for display: last segment, no control characters, at most 255 characters. */
function displayName(filename: string | undefined): string {
  const last = (filename ?? '').split(/[/\\]/).pop() ?? '';
  const printable = [...last].filter((c) => c.charCodeAt(0) > 0x1f && c.charCodeAt(0) !== 0x7f).join('');
  return printable.trim().slice(0, 255);
}

/** What a file part is saved with: the resolved options, the request's abort signal, and the list of names saved so far (removed on failure). */
export interface FilePartContext {
  o: ResolvedUpload;
  fileTypeFromBuffer: DetectType;
  signal: AbortSignal;
  saved: string[];
}

/** Reads chunks until at least {@link SAMPLE_BYTES} arrived or the stream ended. */
async function readHead(iterator: AsyncIterator<Buffer>): Promise<{ sample: Buffer; ended: boolean }> {
  const head: Buffer[] = [];
  let headBytes = 0;
  while (headBytes < SAMPLE_BYTES) {
    const next = await iterator.next();
    if (next.done) return { sample: Buffer.concat(head), ended: true };
    head.push(next.value);
    headBytes += next.value.byteLength;
  }
  return { sample: Buffer.concat(head), ended: false };
}

/** The sample already read, then the rest of the stream. */
async function* bodyOf(sample: Buffer, ended: boolean, iterator: AsyncIterator<Buffer>): AsyncGenerator<Buffer> {
  yield sample;
  if (ended) return;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    yield next.value;
  }
}

/**
 * Saves one file part; `null` for an empty file input (nothing chosen). Throws an
 * {@link UploadError} for a type not in `allow` (`type`) or a file over `maxFileBytes` (`too-large`).
 */
export async function saveFilePart(
  context: FilePartContext,
  field: string,
  stream: Readable,
  filename: string | undefined,
): Promise<UploadedFile | null> {
  const { o } = context;
  const tooLarge = () =>
    new UploadError(
      'too-large',
      `The file in field ${JSON.stringify(field)} is larger than maxFileBytes (${o.maxFileBytes})`,
    );
  stream.once('limit', () => stream.destroy(tooLarge()));
  const iterator = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
  const { sample, ended } = await readHead(iterator);
  if (ended && sample.byteLength === 0 && !filename) return null; // an empty file input: nothing was chosen
  const detected = await context.fileTypeFromBuffer(sample.subarray(0, SAMPLE_BYTES));
  if (!detected || !o.allow.includes(detected.mime)) {
    stream.resume();
    throw new UploadError(
      'type',
      `The file in field ${JSON.stringify(field)} is ${detected ? detected.mime : 'of an unrecognised type'}, not one of ${o.allow.join(', ')} (checked by content, not by its name)`,
    );
  }
  const name = `${o.directory}${randomUUID()}.${detected.ext}`;
  context.saved.push(name);
  const { size } = await o.storage.save(name, bodyOf(sample, ended, iterator), {
    contentType: detected.mime,
    signal: context.signal,
  });
  if ((stream as Readable & { truncated?: boolean }).truncated) throw tooLarge();
  return { field, name, url: o.storage.url(name), size, type: detected.mime, originalName: displayName(filename) };
}
