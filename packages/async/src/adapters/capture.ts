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
const realHeadersSent = realGetter('headersSent');
const realWritableEnded = realGetter('writableEnded');

function headersSentError(): Error {
  return Object.assign(new Error('Cannot set headers after they are sent to the client'), {
    code: 'ERR_HTTP_HEADERS_SENT',
  });
}

type Callback = (error?: Error | null) => void;
const PATCHED = ['writeHead', 'write', 'end', 'flushHeaders', 'setHeader', 'appendHeader', 'removeHeader'] as const;
type Patched = (typeof PATCHED)[number];

/** What {@link captureDownstream} gives the adapter. */
export interface Capture {
  /** The downstream response, resolved when it fixes its head (first write, `writeHead`, `flushHeaders`, `end`). */
  response: Promise<Response>;
  /**
   * `res` with the real `writeHead`/`write`/`end`/`flushHeaders`/header methods and getters:
   * where the middleware's response is written while the downstream may still be writing.
   */
  sink: ServerResponse;
  /**
   * Called once the middleware's response is written: a downstream body nobody took is
   * cancelled (later downstream writes are dropped), so a streaming route is not left waiting.
   */
  settle(): void;
}

/**
 * Lets a Fetch middleware wrap the rest of a Node/Express chain: until the downstream calls
 * `res.end` (or the connection closes), its `writeHead`/`write`/`end`/`flushHeaders` and header
 * calls on `res` are captured into a streaming Fetch `Response` (resolved when the head is
 * fixed), which the middleware may read, transform or replace; the adapter writes what the
 * middleware returns through {@link Capture.sink}. `res.write` returns `false` past 64 KiB not
 * yet read and `res` emits `'drain'` when the reader catches up, so `pipe`/`pipeline` keep
 * their backpressure. When the client goes away the captured body errors with `ERR_ABORTED`
 * and `res` gets its own methods back (a `pipeline(source, res)` then destroys `source`).
 * Written by hand: no maintained library turns a downstream Express response into a Fetch one.
 */
export function captureDownstream(res: ServerResponse): Capture {
  const own = new Map<Patched | 'headersSent' | 'writableEnded', PropertyDescriptor | undefined>();
  for (const name of [...PATCHED, 'headersSent', 'writableEnded'] as const) {
    own.set(name, Object.getOwnPropertyDescriptor(res, name));
  }
  const original = {
    writeHead: res.writeHead,
    write: res.write,
    end: res.end,
    flushHeaders: res.flushHeaders,
    setHeader: res.setHeader,
    appendHeader: res.appendHeader,
    removeHeader: res.removeHeader,
  };

  let controller!: ReadableStreamDefaultController<Uint8Array>;
  /** The downstream has called `end`. */
  let ended = false;
  /** The captured body is closed, errored or cancelled: later chunks are dropped. */
  let done = false;
  let needDrain = false;
  let restored = false;
  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
      },
      pull() {
        if (!needDrain) return;
        needDrain = false;
        res.emit('drain');
      },
      cancel() {
        drop();
      },
    },
    { highWaterMark: HIGH_WATER_MARK, size: (chunk) => chunk.byteLength },
  );

  let resolveHead!: (response: Response) => void;
  let rejectHead!: (error: unknown) => void;
  const response = new Promise<Response>((resolve, reject) => {
    resolveHead = resolve;
    rejectHead = reject;
  });
  let statusText: string | undefined;
  let flushed = false;
  const flush = () => {
    if (flushed) return;
    flushed = true;
    const status = res.statusCode;
    const headers = toHeaders(res.getHeaders());
    const init: ResponseInit = { status, headers };
    if (statusText) init.statusText = statusText;
    let captured: Response;
    try {
      captured = new Response(NULL_BODY.has(status) ? null : body, init);
    } catch {
      // A reason phrase Fetch refuses: keep the status, drop the phrase.
      captured = new Response(NULL_BODY.has(status) ? null : body, { status, headers });
    }
    if (NULL_BODY.has(status)) drop();
    resolveHead(captured);
  };

  const restore = () => {
    if (restored) return;
    restored = true;
    for (const [name, descriptor] of own) {
      if (descriptor) Object.defineProperty(res, name, descriptor);
      else delete (res as unknown as Record<string, unknown>)[name];
    }
  };
  /** Nobody reads the body any more: drop later chunks and release a writer waiting for `'drain'`. */
  function drop() {
    done = true;
    if (needDrain) {
      needDrain = false;
      queueMicrotask(() => res.emit('drain'));
    }
  }
  const asBytes = (chunk: unknown, encoding?: unknown): Uint8Array =>
    typeof chunk === 'string'
      ? Buffer.from(chunk, (typeof encoding === 'string' ? encoding : 'utf8') as BufferEncoding)
      : (chunk as Uint8Array);
  const enqueue = (chunk: unknown, encoding?: unknown) => {
    if (done || chunk === undefined || chunk === null) return;
    const bytes = asBytes(chunk, encoding);
    if (bytes.byteLength > 0) controller.enqueue(bytes);
  };
  const call = (callback: unknown, error?: Error) => {
    if (typeof callback === 'function') queueMicrotask(() => (callback as Callback)(error ?? null));
  };
  const fixedHeaders = (): void => {
    if (flushed) throw headersSentError();
  };

  const onClose = () => {
    if (ended) return;
    if (!realWritableEnded(res) || !res.writableFinished) {
      // The client went away (or the socket was destroyed) before the downstream finished.
      const error = new AsyncError('ERR_ABORTED', 'client disconnected');
      if (!flushed) rejectHead(error);
      if (!done) {
        done = true;
        controller.error(error);
      }
      // Node's own behaviour from here on: writes to the destroyed `res` fail quietly.
      restore();
    }
  };
  res.once('close', onClose);
  // Never left unhandled when the middleware stopped waiting for next().
  response.catch(() => {});

  const patch: Pick<ServerResponse, Patched> = {
    writeHead: function writeHead(status: number, ...rest: unknown[]) {
      fixedHeaders();
      res.statusCode = status;
      if (typeof rest[0] === 'string') statusText = rest[0];
      const headers = rest.find((item) => item !== null && typeof item === 'object') as
        | OutgoingHttpHeaders
        | string[]
        | undefined;
      if (Array.isArray(headers)) {
        for (let index = 0; index < headers.length; index += 2) {
          original.setHeader.call(res, headers[index]!, headers[index + 1]!);
        }
      } else if (headers) {
        for (const [name, value] of Object.entries(headers)) {
          if (value !== undefined) original.setHeader.call(res, name, value);
        }
      }
      flush();
      return res;
    } as ServerResponse['writeHead'],
    write: function write(chunk: unknown, encoding?: unknown, callback?: unknown) {
      const cb = typeof encoding === 'function' ? encoding : callback;
      if (ended) {
        const error = Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' });
        call(cb, error);
        return false;
      }
      flush();
      enqueue(chunk, encoding);
      call(cb);
      if (done || (controller.desiredSize ?? 1) > 0) return true;
      needDrain = true;
      return false;
    } as ServerResponse['write'],
    end: function end(chunk?: unknown, encoding?: unknown, callback?: unknown) {
      if (typeof chunk === 'function')
        return (patch.end as (...args: unknown[]) => ServerResponse)(undefined, undefined, chunk);
      const cb = typeof encoding === 'function' ? encoding : callback;
      if (!ended) {
        flush();
        enqueue(chunk, encoding);
        ended = true;
        res.off('close', onClose);
        if (!done) {
          done = true;
          controller.close();
        }
        restore();
      }
      call(cb);
      return res;
    } as ServerResponse['end'],
    flushHeaders: function flushHeaders() {
      flush();
    },
    setHeader: function setHeader(this: ServerResponse, ...args: Parameters<ServerResponse['setHeader']>) {
      fixedHeaders();
      return original.setHeader.apply(res, args);
    } as ServerResponse['setHeader'],
    appendHeader: function appendHeader(this: ServerResponse, ...args: Parameters<ServerResponse['appendHeader']>) {
      fixedHeaders();
      return original.appendHeader.apply(res, args);
    } as ServerResponse['appendHeader'],
    removeHeader: function removeHeader(name: string) {
      fixedHeaders();
      original.removeHeader.call(res, name);
    },
  };
  /** Calls made through the sink run Node's own methods, even where Node calls `this.x()` inside. */
  let bypass = 0;
  const guarded = {} as Record<Patched, unknown>;
  for (const name of PATCHED) {
    const captured = patch[name] as (...args: unknown[]) => unknown;
    const real = original[name] as (...args: unknown[]) => unknown;
    guarded[name] = function guardedMethod(this: unknown, ...args: unknown[]) {
      return bypass > 0 ? real.apply(res, args) : captured.apply(res, args);
    };
  }
  Object.assign(res, guarded);
  Object.defineProperty(res, 'headersSent', { configurable: true, get: () => flushed || realHeadersSent(res) });
  Object.defineProperty(res, 'writableEnded', { configurable: true, get: () => ended || realWritableEnded(res) });

  const sinkMethods: Record<string, unknown> = {
    ...original,
    headersSent: undefined,
    writableEnded: undefined,
  };
  const sink = new Proxy(res, {
    get(target, property) {
      if (property === 'headersSent') return realHeadersSent(target);
      if (property === 'writableEnded') return realWritableEnded(target);
      if (typeof property === 'string' && property in sinkMethods) {
        const real = sinkMethods[property] as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          bypass++;
          try {
            return real.apply(target, args);
          } finally {
            bypass--;
          }
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });

  return {
    response,
    sink,
    settle() {
      if (!ended && !done && !body.locked) {
        // The middleware answered without the downstream body: let the downstream run out.
        void body.cancel().catch(() => {});
      }
    },
  };
}
