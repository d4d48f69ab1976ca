/**
 * A `Request` whose undici object is built only when something needs more than its method, URL
 * or headers. On Node 20, building a `Request` (and its internal AbortSignal) costs as much as
 * the rest of a hello-world response, and most GET handlers only read `url` and a header.
 *
 * The object is `instanceof Request` (its prototype chain goes through `Request.prototype`);
 * every other member, and undici's own internal slots, forward to the real `Request`, built on
 * first use. So `new Request(lazy, init)` and `fetch(lazy)` work. @hono/node-server gets the
 * same effect by replacing `globalThis.Request`; this does not touch globals. A self-test at
 * load disables it (every request is then built eagerly) if this Node's undici does not play along.
 */

import { LightHeaders } from '../response/index.js';

const URL_KEY = Symbol('adv.url');
const METHOD_KEY = Symbol('adv.method');
const RAW_KEY = Symbol('adv.rawHeaders');
const HEADERS_KEY = Symbol('adv.headers');
const REAL_KEY = Symbol('adv.request');

const SIGNAL_KEY = Symbol('adv.signal');

/** What gives a request its `signal` on first read (the server's in-flight entry, or the adapter's). */
export interface SignalSource {
  signal(): AbortSignal;
}

interface LazyFields {
  [SIGNAL_KEY]?: SignalSource | undefined;
  [URL_KEY]: string;
  [METHOD_KEY]: string;
  [RAW_KEY]: string[];
  [HEADERS_KEY]?: Headers;
  [REAL_KEY]?: Request;
}

/** Incoming headers in a light `Headers` (see response/light-headers.ts): no undici validation per header. */
function headersFrom(raw: string[]): Headers {
  const headers = new LightHeaders() as unknown as Headers;
  for (let index = 0; index < raw.length; index += 2) {
    const name = raw[index]!;
    // HTTP/2 pseudo headers are not valid Fetch header names.
    if (name.charCodeAt(0) !== 58) headers.append(name, raw[index + 1]!);
  }
  return headers;
}

function realRequest(self: LazyFields): Request {
  let real = self[REAL_KEY];
  if (real === undefined) {
    real = new Request(self[URL_KEY], { method: self[METHOD_KEY], headers: lazyHeaders(self) });
    self[REAL_KEY] = real;
  }
  return real;
}

function lazyHeaders(self: LazyFields): Headers {
  let headers = self[HEADERS_KEY];
  if (headers === undefined) {
    headers = headersFrom(self[RAW_KEY]);
    self[HEADERS_KEY] = headers;
  }
  return headers;
}

const lazyPrototype: object = Object.create(Request.prototype);
Object.defineProperties(lazyPrototype, {
  method: {
    get(this: LazyFields) {
      return this[METHOD_KEY];
    },
  },
  url: {
    get(this: LazyFields) {
      return this[URL_KEY];
    },
  },
  headers: {
    get(this: LazyFields) {
      return lazyHeaders(this);
    },
  },
  signal: {
    get(this: LazyFields) {
      const own = this[SIGNAL_KEY];
      return own === undefined ? realRequest(this).signal : own.signal();
    },
  },
});
for (const name of Object.getOwnPropertyNames(Request.prototype)) {
  if (name === 'constructor' || name === 'method' || name === 'url' || name === 'headers' || name === 'signal')
    continue;
  const descriptor = Object.getOwnPropertyDescriptor(Request.prototype, name)!;
  if (descriptor.get) {
    Object.defineProperty(lazyPrototype, name, {
      get(this: LazyFields) {
        return (realRequest(this) as unknown as Record<string, unknown>)[name];
      },
    });
  } else if (typeof descriptor.value === 'function') {
    Object.defineProperty(lazyPrototype, name, {
      value(this: LazyFields, ...args: unknown[]) {
        const real = realRequest(this) as unknown as Record<string, (...a: unknown[]) => unknown>;
        return real[name]!(...args);
      },
    });
  }
}
// undici reads its internal slots (state, signal, headers…) when a Request is passed to
// `new Request()` or `fetch()`: forward them to the real request.
for (const symbol of Object.getOwnPropertySymbols(new Request('http://localhost/'))) {
  Object.defineProperty(lazyPrototype, symbol, {
    get(this: LazyFields) {
      return (realRequest(this) as unknown as Record<symbol, unknown>)[symbol];
    },
  });
}

function create(url: string, method: string, rawHeaders: string[]): Request {
  const self = Object.create(lazyPrototype) as LazyFields;
  self[URL_KEY] = url;
  self[METHOD_KEY] = method;
  self[RAW_KEY] = rawHeaders;
  // Made with the object, so that setLazySignal stores into an existing slot.
  self[SIGNAL_KEY] = undefined;
  return self as unknown as Request;
}

/** Whether lazy requests work on this Node: derived requests and body readers must see through them. */
const supported = (() => {
  try {
    const probe = create('http://localhost/probe', 'GET', ['X-Probe', 'yes']);
    const derived = new Request(probe, { headers: { 'x-more': '1' } });
    return (
      probe instanceof Request &&
      derived.url === 'http://localhost/probe' &&
      derived.method === 'GET' &&
      probe.headers.get('x-probe') === 'yes' &&
      probe.clone().url === 'http://localhost/probe'
    );
  } catch {
    return false;
  }
})();

/**
 * A lazily built GET/HEAD-style `Request` (no body), or `undefined` when this Node's undici
 * does not support the trick (the caller then builds a real one).
 */
export function lazyRequest(url: string, method: string, rawHeaders: string[]): Request | undefined {
  return supported ? create(url, method, rawHeaders) : undefined;
}

/**
 * Gives `request` a `signal` from `source`, read on first use: on a lazy request through its
 * own slot (no property defined per request), on a real one as an own getter.
 */
export function setLazySignal(request: Request, source: SignalSource): void {
  const self = request as unknown as Partial<LazyFields>;
  if (self[URL_KEY] !== undefined) self[SIGNAL_KEY] = source;
  else Object.defineProperty(request, 'signal', { configurable: true, enumerable: true, get: () => source.signal() });
}

export { headersFrom };
