/**
 * The state of one `captureDownstream()`: the captured body stream, the head promise, and the
 * methods and getters `res` had before they were patched.
 */
import { type OutgoingHttpHeaders, OutgoingMessage, type ServerResponse } from 'node:http';
import { AsyncError } from '../errors.js';

const NULL_BODY = new Set([101, 204, 205, 304]);
/** Bytes of downstream body held before `res.write` returns `false` (as a socket's buffer would). */
const HIGH_WATER_MARK = 65_536;

function toHeaders(node: OutgoingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(node)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, String(value));
  }
  return headers;
}

/** The real (prototype) getters, read on `res` while own-property stand-ins hide them. */
function realGetter(name: 'headersSent' | 'writableEnded'): (res: ServerResponse) => boolean {
  const get = Object.getOwnPropertyDescriptor(OutgoingMessage.prototype, name)?.get;
  return (res) => (get ? Boolean(get.call(res)) : false);
}
export const realHeadersSent = realGetter('headersSent');
export const realWritableEnded = realGetter('writableEnded');

function headersSentError(): Error {
  return Object.assign(new Error('Cannot set headers after they are sent to the client'), {
    code: 'ERR_HTTP_HEADERS_SENT',
  });
}

export const PATCHED = [
  'writeHead',
  'write',
  'end',
  'flushHeaders',
  'setHeader',
  'appendHeader',
  'removeHeader',
] as const;
export type Patched = (typeof PATCHED)[number];

type Originals = Pick<ServerResponse, Patched>;
type Own = Map<Patched | 'headersSent' | 'writableEnded', PropertyDescriptor | undefined>;

/** The state of one capture: the body stream, the head promise, and what `res` had before. */
export class DownstreamCapture {
  readonly own: Own = new Map();
  readonly original: Originals;
  readonly body: ReadableStream<Uint8Array>;
  readonly response: Promise<Response>;
  controller!: ReadableStreamDefaultController<Uint8Array>;
  resolveHead!: (response: Response) => void;
  rejectHead!: (error: unknown) => void;
  /** The downstream has called `end`. */
  ended = false;
  /** The captured body is closed, errored or cancelled: later chunks are dropped. */
  done = false;
  needDrain = false;
  restored = false;
  flushed = false;
  statusText: string | undefined;
  /** Calls made through the sink run Node's own methods, even where Node calls `this.x()` inside. */
  bypass = 0;

  constructor(readonly res: ServerResponse) {
    for (const name of [...PATCHED, 'headersSent', 'writableEnded'] as const) {
      this.own.set(name, Object.getOwnPropertyDescriptor(res, name));
    }
    this.original = {
      writeHead: res.writeHead,
      write: res.write,
      end: res.end,
      flushHeaders: res.flushHeaders,
      setHeader: res.setHeader,
      appendHeader: res.appendHeader,
      removeHeader: res.removeHeader,
    };
    this.body = new ReadableStream<Uint8Array>(
      {
        start: (c) => {
          this.controller = c;
        },
        pull: () => {
          if (!this.needDrain) return;
          this.needDrain = false;
          res.emit('drain');
        },
        cancel: () => {
          this.drop();
        },
      },
      { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
    );
    this.response = new Promise<Response>((resolve, reject) => {
      this.resolveHead = resolve;
      this.rejectHead = reject;
    });
  }

  /** Fixes the head: resolves `response` with the status and headers set so far. */
  flush(): void {
    if (this.flushed) return;
    this.flushed = true;
    const status = this.res.statusCode;
    const headers = toHeaders(this.res.getHeaders());
    const init: ResponseInit = { status, headers };
    if (this.statusText) init.statusText = this.statusText;
    let captured: Response;
    try {
      captured = new Response(NULL_BODY.has(status) ? null : this.body, init);
    } catch {
      // A reason phrase Fetch refuses: keep the status, drop the phrase.
      captured = new Response(NULL_BODY.has(status) ? null : this.body, { status, headers });
    }
    if (NULL_BODY.has(status)) this.drop();
    this.resolveHead(captured);
  }

  /** Gives `res` its own methods and getters back. */
  restore(): void {
    if (this.restored) return;
    this.restored = true;
    for (const [name, descriptor] of this.own) {
      if (descriptor) Object.defineProperty(this.res, name, descriptor);
      else delete (this.res as unknown as Record<string, unknown>)[name];
    }
  }

  /** Nobody reads the body any more: drop later chunks and release a writer waiting for `'drain'`. */
  drop(): void {
    this.done = true;
    if (this.needDrain) {
      this.needDrain = false;
      queueMicrotask(() => this.res.emit('drain'));
    }
  }

  enqueue(chunk: unknown, encoding?: unknown): void {
    if (this.done || chunk === undefined || chunk === null) return;
    const bytes =
      typeof chunk === 'string'
        ? Buffer.from(chunk, (typeof encoding === 'string' ? encoding : 'utf8') as BufferEncoding)
        : (chunk as Uint8Array);
    if (bytes.byteLength > 0) this.controller.enqueue(bytes);
  }

  fixedHeaders(): void {
    if (this.flushed) throw headersSentError();
  }

  /** `res`'s `'close'`: before the downstream finished, the client went away. */
  readonly onClose = (): void => {
    if (this.ended) return;
    if (!realWritableEnded(this.res) || !this.res.writableFinished) {
      // The client went away (or the socket was destroyed) before the downstream finished.
      const error = new AsyncError('ERR_ABORTED', 'client disconnected');
      if (!this.flushed) this.rejectHead(error);
      if (!this.done) {
        this.done = true;
        this.controller.error(error);
      }
      // Node's own behaviour from here on: writes to the destroyed `res` fail quietly.
      this.restore();
    }
  };
}
