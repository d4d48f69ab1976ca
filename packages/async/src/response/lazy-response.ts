/**
 * Lazy `Response`s: objects that are `instanceof Response` and hold their body source and init,
 * building the undici object only if something needs more than `status`, `statusText`, `ok` or
 * `headers`. On Node 20, `new Response('hi')` costs about 12 µs of CPU (it builds a
 * ReadableStream up front), more than `serve()` itself; `serve()` writes lazy ones straight from
 * memory. Every other member (and undici's internal slots) is forwarded to a real `Response`
 * built on first use. `text()`, `json()` and `html()` make them (Hono's `c.text()` / `c.json()`
 * are the equivalent there), and so does the global `Response` once `overrideGlobalResponse()`
 * has replaced it (see light-response.ts).
 */
import { checkOptionKeys, invalidOption, RESPONSE_INIT_KEYS } from '../validate.js';
import { LightHeaders } from './light-headers.js';
import { nodeHeaders } from './node-headers.js';

/** The `Response` this Node shipped with, captured before anything can replace the global. */
export const OriginalResponse: typeof Response = globalThis.Response;

export const SOURCE_KEY = Symbol('adv.source');
export const INIT_KEY = Symbol('adv.init');
export const HEADERS_KEY = Symbol('adv.headers');
export const REAL_KEY = Symbol('adv.response');
export const HELD_KEY = Symbol('adv.headersHeld');

/** A body kept in memory until needed (`null`: no body). */
export type LazySource = string | Uint8Array | null;

export interface LazyInit {
  status: number;
  statusText: string;
  headers: HeadersInit | undefined;
  /** Set on the headers when they do not name one; `undefined` sets none. */
  contentType: string | undefined;
}

export interface LazyFields {
  [SOURCE_KEY]: LazySource;
  [INIT_KEY]: LazyInit;
  /** Built on first access to `headers`; until then `init.headers` and the content type stand. */
  [HEADERS_KEY]?: Headers;
  [REAL_KEY]?: Response;
  /** Set once `headers` was handed out: from then on it is the response's headers for good. */
  [HELD_KEY]?: boolean;
}

export function lazyHeaders(self: LazyFields): Headers {
  let headers = self[HEADERS_KEY];
  if (headers === undefined) {
    const init = self[INIT_KEY];
    headers = new LightHeaders(init.headers) as unknown as Headers;
    if (init.contentType !== undefined && !headers.has('content-type')) headers.set('content-type', init.contentType);
    self[HEADERS_KEY] = headers;
  }
  return headers;
}

/** Encodes a string body as undici would (UTF-8, lone surrogates replaced). */
const encoder = new TextEncoder();

function realResponse(self: LazyFields): Response {
  let real = self[REAL_KEY];
  if (real === undefined) {
    const { status, statusText } = self[INIT_KEY];
    const source = self[SOURCE_KEY];
    // Bytes, not a string: undici then adds no content type of its own, so one the caller
    // deleted stays deleted.
    const bytes = typeof source === 'string' ? encoder.encode(source) : source;
    real = new OriginalResponse(bytes as BodyInit | null, { status, statusText, headers: lazyHeaders(self) });
    self[REAL_KEY] = real;
    // Nobody holds our `headers` yet: undici's own object becomes the response's headers.
    // Otherwise the held one stays the response's headers ([SameObject]) and undici's copy
    // follows it (syncHeaders).
    if (self[HELD_KEY] !== true) self[HEADERS_KEY] = real.headers;
  }
  syncHeaders(self, real);
  return real;
}

/**
 * Makes undici's header list match the `headers` object the caller holds, when they are not
 * the same object (a lazy response whose headers were taken before its body was read).
 */
function syncHeaders(self: LazyFields, real: Response): void {
  const ours = self[HEADERS_KEY];
  const theirs = real.headers;
  if (ours === undefined || ours === theirs) return;
  for (const name of new Set(theirs.keys())) theirs.delete(name);
  ours.forEach((value, name) => {
    if (name !== 'set-cookie') theirs.append(name, value);
  });
  for (const cookie of ours.getSetCookie()) theirs.append('set-cookie', cookie);
}

/** The prototype of every lazy response: own `status`/`statusText`/`ok`/`headers`, the rest forwarded. */
export const lazyPrototype: object = Object.create(OriginalResponse.prototype);
Object.defineProperties(lazyPrototype, {
  status: {
    get(this: LazyFields) {
      return this[INIT_KEY].status;
    },
  },
  statusText: {
    get(this: LazyFields) {
      return this[INIT_KEY].statusText;
    },
  },
  ok: {
    get(this: LazyFields) {
      return this[INIT_KEY].status >= 200 && this[INIT_KEY].status < 300;
    },
  },
  headers: {
    get(this: LazyFields) {
      // [SameObject]: the one `Headers` for the response's whole life, body read or not.
      this[HELD_KEY] = true;
      return lazyHeaders(this);
    },
  },
});
const own = new Set(['constructor', 'status', 'statusText', 'ok', 'headers']);
for (const name of Object.getOwnPropertyNames(OriginalResponse.prototype)) {
  if (own.has(name)) continue;
  const descriptor = Object.getOwnPropertyDescriptor(OriginalResponse.prototype, name)!;
  if (descriptor.get) {
    Object.defineProperty(lazyPrototype, name, {
      get(this: LazyFields) {
        return (realResponse(this) as unknown as Record<string, unknown>)[name];
      },
    });
  } else if (typeof descriptor.value === 'function') {
    Object.defineProperty(lazyPrototype, name, {
      value(this: LazyFields, ...args: unknown[]) {
        const real = realResponse(this) as unknown as Record<string, (...a: unknown[]) => unknown>;
        return real[name]!(...args);
      },
    });
  }
}
for (const symbol of Object.getOwnPropertySymbols(new OriginalResponse(''))) {
  Object.defineProperty(lazyPrototype, symbol, {
    get(this: LazyFields) {
      return (realResponse(this) as unknown as Record<symbol, unknown>)[symbol];
    },
  });
}

function create(source: string, init: ResponseInit | undefined, contentType: string): Response {
  const status = init?.status ?? 200;
  if (!Number.isInteger(status) || status < 200 || status > 599) {
    throw invalidOption('status', 'an HTTP status from 200 to 599', status);
  }
  const self = Object.create(lazyPrototype) as LazyFields;
  self[SOURCE_KEY] = source;
  self[INIT_KEY] = { status, statusText: init?.statusText ?? '', headers: init?.headers, contentType };
  return self as unknown as Response;
}

/** Whether a lazy response can stand in for a real one on this Node. */
export const supported = (() => {
  try {
    const probe = create('probe', undefined, 'text/plain');
    const wrapped = new OriginalResponse(probe.body, probe);
    return probe instanceof Response && wrapped.status === 200 && probe.clone().status === 200;
  } catch {
    return false;
  }
})();

/**
 * The Node-style headers (with `content-length` for a body) of a lazy response nobody has
 * turned into a real one yet, `undefined` for any other response; without headers given or
 * touched, no `Headers` object is ever built.
 */
export function lazyHeaderList(response: Response): string[] | undefined {
  const self = response as unknown as Partial<LazyFields>;
  const init = self[INIT_KEY];
  if (init === undefined || self[REAL_KEY] !== undefined) return undefined;
  const body = self[SOURCE_KEY] as LazySource;
  let headers: string[];
  if (self[HEADERS_KEY] === undefined && init.headers === undefined) {
    // The common case in one array literal, sized once.
    const type = init.contentType;
    if (body === null) return type === undefined ? [] : ['content-type', type];
    const length = String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength);
    return type === undefined ? ['content-length', length] : ['content-type', type, 'content-length', length];
  }
  const built = lazyHeaders(self as LazyFields);
  headers = nodeHeaders(built);
  if (body !== null && !built.has('content-length')) {
    headers.push('content-length', String(typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength));
  }
  return headers;
}

/** Whether `value` is a lazy response (one `lazyHeaderList` may answer for): one slot read. */
export function isLazyResponse(value: unknown): value is Response {
  return typeof value === 'object' && value !== null && (value as Partial<LazyFields>)[INIT_KEY] !== undefined;
}

/** The in-memory body of a lazy response (one {@link lazyHeaderList} answered for). */
export function lazySource(response: Response): LazySource {
  return (response as unknown as LazyFields)[SOURCE_KEY];
}

/** The body and Node-style headers of a lazy response (see {@link lazyHeaderList}). */
export function lazyParts(response: Response): { body: LazySource; headers: string[] } | undefined {
  const headers = lazyHeaderList(response);
  return headers === undefined ? undefined : { body: lazySource(response), headers };
}

function respond(name: string, source: string, init: ResponseInit | undefined, contentType: string): Response {
  checkOptionKeys(name, init, RESPONSE_INIT_KEYS);
  if (supported) return create(source, init, contentType);
  const headers = new Headers(init?.headers);
  if (!headers.has('content-type')) headers.set('content-type', contentType);
  return new OriginalResponse(source, { ...init, headers });
}

/**
 * A `text/plain` response, cheaper than `new Response(body)` under `serve()`.
 *
 * @param body - The text.
 * @param init - Status, status text, headers.
 * @example
 * ```ts
 * await serve(() => text('hello world'));
 * ```
 */
export function text(body: string, init?: ResponseInit): Response {
  if (typeof body !== 'string') throw invalidOption('body', 'a string', body);
  return respond('text', body, init, 'text/plain; charset=utf-8');
}

/**
 * An `application/json` response (like `Response.json`), cheaper under `serve()`.
 *
 * @param value - Anything `JSON.stringify` accepts.
 * @param init - Status, status text, headers.
 * @example
 * ```ts
 * return json({ id: 1 }, { status: 201 });
 * ```
 */
export function json(value: unknown, init?: ResponseInit): Response {
  const body = JSON.stringify(value);
  if (body === undefined) throw invalidOption('value', 'JSON-serialisable', value);
  return respond('json', body, init, 'application/json');
}

/**
 * A `text/html` response, cheaper than `new Response(body)` under `serve()`.
 *
 * @param body - The HTML.
 * @param init - Status, status text, headers.
 * @example
 * ```ts
 * return html(await liquid.renderFile('home', context));
 * ```
 */
export function html(body: string, init?: ResponseInit): Response {
  if (typeof body !== 'string') throw invalidOption('body', 'a string', body);
  return respond('html', body, init, 'text/html; charset=utf-8');
}
