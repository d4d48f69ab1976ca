/**
 * A lightweight global `Response` (what @hono/node-server's `overrideGlobalObjects` does): `new
 * Response(string | Uint8Array | null, init)` makes a lazy response (see lazy-response.ts) that
 * keeps its body and init and builds undici's object only when something reads more than
 * `status`, `statusText`, `ok` or `headers`; `serve()` writes it from memory. Any other body
 * (a `ReadableStream`, `Blob`, `FormData`, …) or an init the fast path does not recognise goes
 * to the original constructor, so streams stream and errors are undici's own.
 * `instanceof Response` holds for both kinds and for `fetch()` results.
 */
import {
  HEADERS_KEY,
  INIT_KEY,
  type LazyFields,
  type LazyInit,
  type LazySource,
  lazyPrototype,
  OriginalResponse,
  REAL_KEY,
  SOURCE_KEY,
  supported,
} from './lazy-response.js';
import { LightHeaders } from './light-headers.js';

/** Statuses whose response must not have a body (undici throws for one). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
/** HTTP's reason-phrase: what undici accepts as `statusText`. */
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** Whether undici takes these bytes as a body: not a shared or resizable buffer. */
function plainBytes(body: Uint8Array): boolean {
  const buffer = body.buffer as ArrayBuffer & { resizable?: boolean };
  return buffer instanceof ArrayBuffer && buffer.resizable !== true;
}

/**
 * Small bodies are copied into a shared pool, as Node's `Buffer.allocUnsafe` does: a new
 * `ArrayBuffer` per response (allocated, zero-filled, tracked as external memory) was 1.9% of
 * the demo's cached-page profile (a 7 KB page); the pooled copy took about half the time in
 * a micro-benchmark. A pool is 64 KB; a body above 8 KB gets its own buffer. A pooled copy
 * keeps its pool alive as long as it lives.
 */
const POOL_SIZE = 64 * 1024;
const POOLED_MAX = 8 * 1024;
let pool: Uint8Array | undefined;
let poolOffset = 0;

/** A private copy of `bytes` (the caller may change its own afterwards, as undici's copy allows). */
function copyBytes(bytes: Uint8Array): Uint8Array {
  const length = bytes.byteLength;
  if (length > POOLED_MAX || length === 0) return new Uint8Array(bytes);
  if (pool === undefined || poolOffset + length > POOL_SIZE) {
    pool = new Uint8Array(POOL_SIZE);
    poolOffset = 0;
  }
  const copy = new Uint8Array(pool.buffer, poolOffset, length);
  copy.set(bytes);
  // Keep the next copy 8-byte aligned, as Node's pool does.
  poolOffset += (length + 7) & ~7;
  return copy;
}

/**
 * The init to hand undici when the fast path gives up after reading some of `given`'s
 * members: those already read as plain values, the rest still read from `given` (once each,
 * in undici's order: status, statusText, headers).
 */
function remainder(given: ResponseInit, read: Partial<Record<'status' | 'statusText' | 'headers', unknown>>): object {
  const init: Record<string, unknown> = {};
  for (const key of ['status', 'statusText', 'headers'] as const) {
    if (key in read) init[key] = read[key];
    else Object.defineProperty(init, key, { enumerable: true, get: () => given[key] });
  }
  return init;
}

/** The fast path gave up: what to call undici with instead (made only on that path). */
class GiveUp {
  constructor(readonly init: unknown) {}
}

/** Result of the fast path: a lazy response, or what to call undici with instead. */
type Attempt = LazyFields | GiveUp;

/**
 * The init of a response made with no init (most of them): shared, since a lazy response never
 * changes its init (headers set later go to its own `Headers`).
 */
const TEXT_INIT: LazyInit = Object.freeze({
  status: 200,
  statusText: '',
  headers: undefined,
  contentType: 'text/plain;charset=UTF-8', // undici's default for a string body
});
const BARE_INIT: LazyInit = Object.freeze({ status: 200, statusText: '', headers: undefined, contentType: undefined });

/** A lazy response for `new Response(body, init)`, or the init to leave it to undici with. */
function lightResponse(prototype: object, body: unknown, init: unknown): Attempt {
  let source: LazySource;
  let contentType: string | undefined;
  if (body === undefined || body === null) source = null;
  else if (typeof body === 'string') {
    source = body;
    contentType = TEXT_INIT.contentType;
  } else if (body instanceof Uint8Array && plainBytes(body))
    source = copyBytes(body); // undici copies the bytes too
  else return new GiveUp(init);
  let status = 200;
  let statusText = '';
  let headers: Headers | undefined;
  if (init !== undefined && init !== null) {
    if (typeof init !== 'object') return new GiveUp(init);
    // Each member is read once, in undici's order; only `undefined` means the default (undici
    // converts `null`: to 0, a RangeError, and "null").
    const given = init as ResponseInit;
    const givenStatus = given.status;
    if (givenStatus !== undefined) {
      if (typeof givenStatus !== 'number') return new GiveUp(remainder(given, { status: givenStatus }));
      status = givenStatus;
    }
    const givenText = given.statusText;
    if (givenText !== undefined) {
      if (typeof givenText !== 'string')
        return new GiveUp(remainder(given, { status: givenStatus, statusText: givenText }));
      statusText = givenText;
    }
    const headersInit = given.headers;
    // Built now so that bad headers throw here, as they would from undici.
    if (headersInit !== undefined) headers = new LightHeaders(headersInit) as unknown as Headers;
    const read = { status: givenStatus, statusText: givenText, headers };
    if (!Number.isInteger(status) || status < 200 || status > 599) return new GiveUp(read);
    if (source !== null && NULL_BODY_STATUS.has(status)) return new GiveUp(read);
    if (!REASON_PHRASE.test(statusText)) return new GiveUp(read);
    if (headers !== undefined && contentType !== undefined && !headers.has('content-type')) {
      headers.set('content-type', contentType);
    }
  }
  const self = Object.create(prototype) as LazyFields;
  self[SOURCE_KEY] = source;
  self[INIT_KEY] =
    status === 200 && statusText === ''
      ? contentType === undefined
        ? BARE_INIT
        : TEXT_INIT
      : { status, statusText, headers: undefined, contentType };
  if (headers !== undefined) self[HEADERS_KEY] = headers;
  return self;
}

/** What `new Response(body, init)` gives once the global is overridden. */
function construct(
  target: { prototype: unknown },
  body: BodyInit | null | undefined,
  init: ResponseInit | undefined,
): object {
  const attempt = lightResponse(target.prototype as object, body, init);
  if (!(attempt instanceof GiveUp)) return attempt;
  const real = new OriginalResponse(body, attempt.init as ResponseInit | undefined);
  if (target === (LightResponse as unknown)) return real;
  // A subclass: keep its prototype, forward everything to the real response.
  const self = Object.create(target.prototype as object) as LazyFields;
  self[SOURCE_KEY] = null;
  self[INIT_KEY] = { status: real.status, statusText: real.statusText, headers: undefined, contentType: undefined };
  self[REAL_KEY] = real;
  self[HEADERS_KEY] = real.headers;
  return self;
}

/**
 * The replacement global `Response`. Its static members (`json`, `redirect`, `error`) are
 * undici's; `instanceof` accepts every real `Response` too.
 */
class LightResponse {
  constructor(body?: BodyInit | null, init?: ResponseInit) {
    // biome-ignore lint/correctness/noConstructorReturn: the instance is a lazy or a real undici Response, by design.
    return construct(new.target, body, init);
  }
}
Object.setPrototypeOf(LightResponse.prototype, lazyPrototype);
Object.setPrototypeOf(LightResponse, OriginalResponse);
Object.defineProperty(LightResponse, 'name', { value: 'Response' });
Object.defineProperty(LightResponse, 'length', { value: 0 });
Object.defineProperty(LightResponse, Symbol.hasInstance, {
  // `instanceof Response` holds for real ones too (fetch results, Response.json(), streams);
  // a subclass keeps the ordinary check.
  value: function hasInstance(this: unknown, value: unknown): boolean {
    if (this === LightResponse) return value instanceof OriginalResponse;
    return Function.prototype[Symbol.hasInstance].call(this, value);
  },
});

let installs = 0;

/**
 * Replaces `globalThis.Response` with a lightweight class, as @hono/node-server does: `new
 * Response('hello')` (a string, `Uint8Array` or no body) then only records its body and init,
 * and `serve()` writes it without building undici's object or its `ReadableStream` (about
 * 12 µs of CPU per response on Node 20). Reading `body`, `text()`, `clone()` and the rest
 * builds the real one on demand; other bodies (streams, `Blob`, `FormData`) get a real
 * `Response` at once; `instanceof Response` stays true for both and for `fetch()` results;
 * `Response.json()` / `Response.redirect()` are unchanged. `serve()` calls this unless
 * `overrideGlobalResponse: false`.
 *
 * Installs are counted: the original global comes back when every caller has called its
 * `restore` (and only if the global is still this one). On a Node whose undici the lazy
 * response cannot stand in for, this does nothing.
 *
 * @returns `restore()`, idempotent.
 * @example
 * ```ts
 * const restore = overrideGlobalResponse();
 * // … new Response('hi') is now cheap …
 * restore();
 * ```
 */
export function overrideGlobalResponse(): () => void {
  if (!supported) return () => {};
  installs += 1;
  if (globalThis.Response !== (LightResponse as unknown)) {
    globalThis.Response = LightResponse as unknown as typeof Response;
  }
  let restored = false;
  return () => {
    if (restored) return;
    restored = true;
    installs -= 1;
    if (installs === 0 && globalThis.Response === (LightResponse as unknown)) globalThis.Response = OriginalResponse;
  };
}

/** Whether `globalThis.Response` is currently the lightweight one. */
export function isGlobalResponseOverridden(): boolean {
  return globalThis.Response === (LightResponse as unknown);
}

/** The `Response` class this Node shipped with (the global one before any override). */
export { OriginalResponse };
