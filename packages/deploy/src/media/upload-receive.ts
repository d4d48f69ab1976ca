import type { Readable } from 'node:stream';
import type Busboy from 'busboy';
import { type DeployError, UploadError } from '../errors.js';
import { loadPeer } from '../peer.js';
import { type FilePartContext, loadFileType, saveFilePart, type UploadedFile } from './upload-file.js';
import type { ResolvedUpload } from './upload-options.js';

/** What {@link handleUpload} resolves with. */
export interface UploadResult {
  /** The saved files, in request order. */
  files: UploadedFile[];
  /** The non-file fields (the last value wins for a repeated name). */
  fields: Record<string, string>;
}

const BUSBOY = { name: 'busboy', range: '^1.6.0', feature: 'handleUpload()' } as const;

/** The request's checks before any byte is read: a multipart Content-Type, a declared length within bounds, a body. */
function checkRequest(request: Request, o: ResolvedUpload): { contentType: string; body: ReadableStream<Uint8Array> } {
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
  return { contentType, body: request.body };
}

/** A busboy parser with the upload's limits; a malformed Content-Type is an `UploadError`. */
function createParser(busboy: typeof Busboy, contentType: string, o: ResolvedUpload): Busboy.Busboy {
  try {
    return busboy({
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
}

/**
 * The state of one request being received: the files saved so far (deleted on failure), the
 * files still streaming, the fields, and the first failure, which stops everything else.
 */
class UploadSession {
  readonly controller = new AbortController();
  readonly saved: string[] = [];
  /** Saves finish in any order: each file keeps its place in the request. */
  readonly slots: (UploadedFile | null)[] = [];
  readonly fields: Record<string, string> = {};
  readonly pending: Promise<void>[] = [];
  readonly active = new Set<Readable>();
  failure: UploadError | undefined;
  /** Resolves when busboy closed or the upload failed. */
  readonly done: Promise<void>;
  finished: () => void = () => {};

  constructor(
    readonly o: ResolvedUpload,
    readonly context: Omit<FilePartContext, 'signal' | 'saved'>,
  ) {
    this.done = new Promise<void>((resolve) => {
      this.finished = resolve;
    });
  }

  /** Records the first failure, aborts the storage writes and stops every file stream. */
  readonly fail = (error: UploadError): void => {
    if (this.failure) return;
    this.failure = error;
    this.controller.abort(error);
    for (const stream of this.active) stream.destroy(error);
    this.finished();
  };

  /** Fails the upload when any of `signals` aborts; returns the function that removes the listeners. */
  watch(signals: readonly (AbortSignal | undefined)[]): () => void {
    const listeners = signals
      .filter((s): s is AbortSignal => s !== undefined)
      .map((signal) => {
        const listener = () =>
          this.fail(new UploadError('aborted', 'The upload was aborted before it completed', { cause: signal.reason }));
        if (signal.aborted) listener();
        else signal.addEventListener('abort', listener, { once: true });
        return [signal, listener] as const;
      });
    return () => {
      for (const [signal, listener] of listeners) signal.removeEventListener('abort', listener);
    };
  }

  /** Wires busboy's events: limits and errors fail the upload, fields are kept, files are saved. */
  listen(bb: Busboy.Busboy): void {
    const { o } = this;
    const tooMany = (what: string, max: number) => () =>
      this.fail(new UploadError('too-many', `The request has more ${what} than allowed (${max})`));
    bb.on('filesLimit', tooMany('files', o.maxFiles));
    bb.on('fieldsLimit', tooMany('fields', o.maxFields));
    bb.on('partsLimit', tooMany('parts', o.maxFiles + o.maxFields));
    bb.on('error', (error: Error) =>
      this.fail(new UploadError('malformed', `Malformed multipart request: ${error.message}`, { cause: error })),
    );
    bb.on('close', () => this.finished());
    bb.on('field', (name, value, info) => {
      if (info.valueTruncated)
        this.fail(
          new UploadError(
            'too-large',
            `The field ${JSON.stringify(name)} is larger than maxFieldBytes (${o.maxFieldBytes})`,
          ),
        );
      else this.fields[name] = value;
    });
    bb.on('file', (field, stream, info) => this.onFile(field, stream, info.filename));
  }

  private onFile(field: string, stream: Readable, filename: string | undefined): void {
    if (this.failure) {
      stream.resume();
      return;
    }
    this.active.add(stream);
    const index = this.slots.length;
    this.slots.push(null);
    const context = { ...this.context, signal: this.controller.signal, saved: this.saved };
    const work = saveFilePart(context, field, stream, filename).then(
      (file) => {
        this.slots[index] = file;
      },
      (error: unknown) => {
        if (error instanceof UploadError) this.fail(error);
        else if ((error as DeployError).code === 'ERR_STORAGE_UNAVAILABLE')
          this.fail(new UploadError('storage', (error as Error).message, { cause: error }));
        else if (!this.failure)
          this.fail(new UploadError('malformed', `Upload failed: ${(error as Error).message}`, { cause: error }));
      },
    );
    this.pending.push(work.finally(() => this.active.delete(stream)));
  }

  /** Pumps the request body into busboy, honouring its backpressure and `maxRequestBytes`. */
  async feed(bb: Busboy.Busboy, body: ReadableStream<Uint8Array>): Promise<void> {
    const reader = body.getReader();
    let received = 0;
    try {
      while (!this.failure) {
        const { done: end, value } = await reader.read();
        if (end) break;
        received += value.byteLength;
        if (received > this.o.maxRequestBytes) {
          this.fail(
            new UploadError('too-large', `The request body is larger than maxRequestBytes (${this.o.maxRequestBytes})`),
          );
          break;
        }
        if (!bb.write(value) && !this.failure) await this.drained(bb);
      }
      if (!this.failure) bb.end();
    } catch (error) {
      this.fail(
        new UploadError('aborted', `The request body could not be read: ${(error as Error).message}`, { cause: error }),
      );
    } finally {
      if (this.failure) reader.cancel().catch(() => {});
    }
  }

  /** Waits until busboy drains, or the upload is over. */
  private async drained(bb: Busboy.Busboy): Promise<void> {
    let go: () => void = () => {};
    const drained = new Promise<void>((resolve) => {
      go = resolve;
    });
    bb.once('drain', go);
    await Promise.race([drained, this.done]);
    bb.off('drain', go);
  }

  /** The files saved, in request order (empty file inputs left out). */
  result(): UploadResult {
    return { files: this.slots.filter((file): file is UploadedFile => file !== null), fields: this.fields };
  }

  /** After a failure: waits for the streams to settle, deletes every file saved, and returns the failure to throw. */
  async rollback(error: unknown): Promise<UploadError> {
    if (!this.failure)
      this.fail(error instanceof UploadError ? error : new UploadError('malformed', String(error), { cause: error }));
    await Promise.allSettled(this.pending);
    await Promise.allSettled(this.saved.map((name) => this.o.storage.delete(name)));
    return this.failure as UploadError;
  }
}

/**
 * Receives a multipart request into the storage (see `handleUpload`): the request is checked,
 * its body fed to busboy, each file saved as it arrives; on any failure every file saved is removed.
 */
export async function receive(request: Request, o: ResolvedUpload): Promise<UploadResult> {
  const { contentType, body } = checkRequest(request, o);
  const busboy = loadPeer<typeof Busboy>(BUSBOY);
  const { fileTypeFromBuffer } = await loadFileType();
  const session = new UploadSession(o, { o, fileTypeFromBuffer });
  const unwatch = session.watch([o.signal, request.signal]);
  let bb: Busboy.Busboy;
  try {
    bb = createParser(busboy, contentType, o);
  } catch (error) {
    unwatch();
    throw error;
  }
  session.listen(bb);
  try {
    await Promise.all([session.feed(bb, body), session.done]);
    await Promise.all(session.pending);
    // busboy may report a truncated body only after its last file ended
    if (session.failure) throw session.failure;
    return session.result();
  } catch (error) {
    throw await session.rollback(error);
  } finally {
    unwatch();
    if (session.failure) bb.destroy();
  }
}
