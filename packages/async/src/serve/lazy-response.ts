/**
 * `text()`, `json()` and `html()`: `Response`s whose undici object is built only if something
 * needs more than `status`, `statusText`, `ok` or `headers`. On Node 20, `new Response('hi')`
 * costs about 12 µs of CPU (it builds a ReadableStream up front), more than `serve()` itself;
 * `serve()` writes these straight from memory. Like the lazy `Request`, the object is an
 * `instanceof Response`, forwards every other member (and undici's internal slots) to a real
 * `Response` built on first use, and patches no globals. Hono's `c.text()` / `c.json()` are the
 * equivalent there.
 */
import { invalidOption } from '../validate.js';
import { nodeHeaders } from './headers.js';

const SOURCE_KEY = Symbol('adv.source');
const INIT_KEY = Symbol('adv.init');
const HEADERS_KEY = Symbol('adv.headers');
const REAL_KEY = Symbol('adv.response');

interface LazyFields {
  [SOURCE_KEY]: string;
  [INIT_KEY]: { status: number; statusText: string; headers: HeadersInit | undefined; contentType: string };
  /** Built on first access to `headers`; until then `init.headers` and the content type stand. */
  [HEADERS_KEY]?: Headers;
  [REAL_KEY]?: Response;
}

function lazyHeaders(self: LazyFields): Headers {
  let headers = self[HEADERS_KEY];
  if (headers === undefined) {
    headers = new Headers(self[INIT_KEY].headers);
    if (!headers.has('content-type')) headers.set('content-type', self[INIT_KEY].contentType);
    self[HEADERS_KEY] = headers;
  }
  return headers;
}

function realResponse(self: LazyFields): Response {
  let real = self[REAL_KEY];
  if (real === undefined) {
    const { status, statusText } = self[INIT_KEY];
    real = new Response(self[SOURCE_KEY], { status, statusText, headers: lazyHeaders(self) });
    self[REAL_KEY] = real;
  }
  return real;
}

const lazyPrototype: object = Object.create(Response.prototype);
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
      return this[REAL_KEY]?.headers ?? lazyHeaders(this);
    },
  },
});
const own = new Set(['constructor', 'status', 'statusText', 'ok', 'headers']);
for (const name of Object.getOwnPropertyNames(Response.prototype)) {
  if (own.has(name)) continue;
  const descriptor = Object.getOwnPropertyDescriptor(Response.prototype, name)!;
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
for (const symbol of Object.getOwnPropertySymbols(new Response(''))) {
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
const supported = (() => {
  try {
    const probe = create('probe', undefined, 'text/plain');
    const wrapped = new Response(probe.body, probe);
    return probe instanceof Response && wrapped.status === 200 && probe.clone().status === 200;
  } catch {
    return false;
  }
})();

/**
 * The body and Node-style headers (with `content-length`) of a lazy response nobody has turned
 * into a real one yet; without headers given or touched, no `Headers` object is ever built.
 */
export function lazyParts(response: Response): { body: string; headers: string[] } | undefined {
  const self = response as unknown as Partial<LazyFields>;
  const body = self[SOURCE_KEY];
  if (body === undefined || self[REAL_KEY] !== undefined) return undefined;
  const init = self[INIT_KEY]!;
  let headers: string[];
  if (self[HEADERS_KEY] === undefined && init.headers === undefined) headers = ['content-type', init.contentType];
  else {
    const built = lazyHeaders(self as LazyFields);
    headers = nodeHeaders(built);
    if (built.has('content-length')) return { body, headers };
  }
  headers.push('content-length', String(Buffer.byteLength(body)));
  return { body, headers };
}

function respond(source: string, init: ResponseInit | undefined, contentType: string): Response {
  if (supported) return create(source, init, contentType);
  const headers = new Headers(init?.headers);
  if (!headers.has('content-type')) headers.set('content-type', contentType);
  return new Response(source, { ...init, headers });
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
  return respond(body, init, 'text/plain; charset=utf-8');
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
  return respond(body, init, 'application/json');
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
  return respond(body, init, 'text/html; charset=utf-8');
}
