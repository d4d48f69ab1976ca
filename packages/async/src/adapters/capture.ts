import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';
import { DownstreamCapture, PATCHED, type Patched, realHeadersSent, realWritableEnded } from './capture-state.js';

type Callback = (error?: Error | null) => void;

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

function call(callback: unknown, error?: Error): void {
  if (typeof callback === 'function') queueMicrotask(() => (callback as Callback)(error ?? null));
}

/** The captured `writeHead`: status, reason phrase and headers (object or flat array) fix the head. */
function capturedWriteHead(c: DownstreamCapture): ServerResponse['writeHead'] {
  const { res, original } = c;
  return function writeHead(status: number, ...rest: unknown[]) {
    c.fixedHeaders();
    res.statusCode = status;
    if (typeof rest[0] === 'string') c.statusText = rest[0];
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
    c.flush();
    return res;
  } as ServerResponse['writeHead'];
}

/** The downstream's view of `res`: writes go into the captured body, header changes fail once it is fixed. */
function capturedMethods(c: DownstreamCapture): Pick<ServerResponse, Patched> {
  const { res, original } = c;
  const patch: Pick<ServerResponse, Patched> = {
    writeHead: capturedWriteHead(c),
    write: function write(chunk: unknown, encoding?: unknown, callback?: unknown) {
      const cb = typeof encoding === 'function' ? encoding : callback;
      if (c.ended) {
        const error = Object.assign(new Error('write after end'), { code: 'ERR_STREAM_WRITE_AFTER_END' });
        call(cb, error);
        return false;
      }
      c.flush();
      c.enqueue(chunk, encoding);
      call(cb);
      if (c.done || (c.controller.desiredSize ?? 1) > 0) return true;
      c.needDrain = true;
      return false;
    } as ServerResponse['write'],
    end: function end(chunk?: unknown, encoding?: unknown, callback?: unknown) {
      if (typeof chunk === 'function')
        return (patch.end as (...args: unknown[]) => ServerResponse)(undefined, undefined, chunk);
      const cb = typeof encoding === 'function' ? encoding : callback;
      if (!c.ended) {
        c.flush();
        c.enqueue(chunk, encoding);
        c.ended = true;
        res.off('close', c.onClose);
        if (!c.done) {
          c.done = true;
          c.controller.close();
        }
        c.restore();
      }
      call(cb);
      return res;
    } as ServerResponse['end'],
    flushHeaders: function flushHeaders() {
      c.flush();
    },
    setHeader: function setHeader(this: ServerResponse, ...args: Parameters<ServerResponse['setHeader']>) {
      c.fixedHeaders();
      return original.setHeader.apply(res, args);
    } as ServerResponse['setHeader'],
    appendHeader: function appendHeader(this: ServerResponse, ...args: Parameters<ServerResponse['appendHeader']>) {
      c.fixedHeaders();
      return original.appendHeader.apply(res, args);
    } as ServerResponse['appendHeader'],
    removeHeader: function removeHeader(name: string) {
      c.fixedHeaders();
      original.removeHeader.call(res, name);
    },
  };
  return patch;
}

/** Puts the captured methods and getters on `res` (Node's own run while the sink is writing). */
function install(c: DownstreamCapture, patch: Pick<ServerResponse, Patched>): void {
  const { res, original } = c;
  const guarded = {} as Record<Patched, unknown>;
  for (const name of PATCHED) {
    const captured = patch[name] as (...args: unknown[]) => unknown;
    const real = original[name] as (...args: unknown[]) => unknown;
    guarded[name] = function guardedMethod(this: unknown, ...args: unknown[]) {
      return c.bypass > 0 ? real.apply(res, args) : captured.apply(res, args);
    };
  }
  Object.assign(res, guarded);
  Object.defineProperty(res, 'headersSent', { configurable: true, get: () => c.flushed || realHeadersSent(res) });
  Object.defineProperty(res, 'writableEnded', { configurable: true, get: () => c.ended || realWritableEnded(res) });
}

/** `res` with its real methods and getters, for the middleware's own response. */
function sinkOf(c: DownstreamCapture): ServerResponse {
  const sinkMethods: Record<string, unknown> = {
    ...c.original,
    headersSent: undefined,
    writableEnded: undefined,
  };
  return new Proxy(c.res, {
    get(target, property) {
      if (property === 'headersSent') return realHeadersSent(target);
      if (property === 'writableEnded') return realWritableEnded(target);
      if (typeof property === 'string' && property in sinkMethods) {
        const real = sinkMethods[property] as (...args: unknown[]) => unknown;
        return (...args: unknown[]) => {
          c.bypass++;
          try {
            return real.apply(target, args);
          } finally {
            c.bypass--;
          }
        };
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
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
  const c = new DownstreamCapture(res);
  res.once('close', c.onClose);
  // Never left unhandled when the middleware stopped waiting for next().
  c.response.catch(() => {});
  install(c, capturedMethods(c));
  return {
    response: c.response,
    sink: sinkOf(c),
    settle() {
      if (!c.ended && !c.done && !c.body.locked) {
        // The middleware answered without the downstream body: let the downstream run out.
        void c.body.cancel().catch(() => {});
      }
    },
  };
}
