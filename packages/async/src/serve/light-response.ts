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
  type LazySource,
  lazyPrototype,
  OriginalResponse,
  REAL_KEY,
  SOURCE_KEY,
  supported,
} from './lazy-response.js';

/** Statuses whose response must not have a body (undici throws for one). */
const NULL_BODY_STATUS = new Set([101, 103, 204, 205, 304]);
/** HTTP's reason-phrase: what undici accepts as `statusText`. */
const REASON_PHRASE = /^[\t\x20-\x7e\x80-\xff]*$/;

/** A lazy response for `new Response(body, init)`, or `undefined` to leave it to undici. */
function lightResponse(prototype: object, body: unknown, init: unknown): LazyFields | undefined {
  let source: LazySource;
  let contentType: string | undefined;
  if (body === undefined || body === null) source = null;
  else if (typeof body === 'string') {
    source = body;
    contentType = 'text/plain;charset=UTF-8'; // undici's default for a string body
  } else if (body instanceof Uint8Array)
    source = new Uint8Array(body); // undici copies the bytes too
  else return undefined;
  let status = 200;
  let statusText = '';
  let headersInit: HeadersInit | undefined;
  if (init !== undefined && init !== null) {
    if (typeof init !== 'object') return undefined;
    const given = init as ResponseInit;
    // Only `undefined` means the default: undici converts `null` (to 0, a RangeError, and "null").
    if (given.status !== undefined) status = given.status;
    if (given.statusText !== undefined) statusText = given.statusText;
    headersInit = given.headers;
  }
  if (!Number.isInteger(status) || status < 200 || status > 599) return undefined;
  if (source !== null && NULL_BODY_STATUS.has(status)) return undefined;
  if (typeof statusText !== 'string' || !REASON_PHRASE.test(statusText)) return undefined;
  let headers: Headers | undefined;
  if (headersInit !== undefined) {
    // Built now so that bad headers throw here, as they would from undici.
    headers = new Headers(headersInit);
    if (contentType !== undefined && !headers.has('content-type')) headers.set('content-type', contentType);
  }
  const self = Object.create(prototype) as LazyFields;
  self[SOURCE_KEY] = source;
  self[INIT_KEY] = { status, statusText, headers: headersInit, contentType };
  if (headers !== undefined) self[HEADERS_KEY] = headers;
  return self;
}

/** What `new Response(body, init)` gives once the global is overridden. */
function construct(
  target: { prototype: unknown },
  body: BodyInit | null | undefined,
  init: ResponseInit | undefined,
): object {
  const light = lightResponse(target.prototype as object, body, init);
  if (light !== undefined) return light;
  const real = new OriginalResponse(body, init);
  if (target === (LightResponse as unknown)) return real;
  // A subclass: keep its prototype, forward everything to the real response.
  const self = Object.create(target.prototype as object) as LazyFields;
  self[SOURCE_KEY] = null;
  self[INIT_KEY] = { status: real.status, statusText: real.statusText, headers: undefined, contentType: undefined };
  self[REAL_KEY] = real;
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
