import type { Logger } from '@adv/types';
import { checkCount, checkFunction, checkSignal, invalidOption } from '../validate.js';
import type { AnyWebSocketRoute } from '../websocket/types.js';

/** Options of {@link serve}. Times are in milliseconds, sizes in bytes. */
export interface ServeOptions {
  /**
   * TCP port; `0` picks a free one (read it back from `server.port`).
   * @defaultValue `3000`
   */
  port?: number;
  /**
   * Interface to bind. `'0.0.0.0'` or `'::'` listens on every interface.
   * @defaultValue `'127.0.0.1'` (like uvicorn: put a proxy in front in production)
   */
  host?: string;
  /** Aborting this signal shuts the server down gracefully, as `close()` does. */
  signal?: AbortSignal;
  /**
   * Largest request body accepted. A larger `Content-Length` gets `413` before the handler
   * runs; a chunked body that grows past it errors the body stream (and answers `413` if the
   * handler lets the error escape).
   * @defaultValue `1_048_576` (1 MiB); `Infinity` disables the limit
   */
  bodyLimit?: number;
  /**
   * Time allowed to receive the request headers (Node's `server.headersTimeout`).
   * @defaultValue `60_000`
   */
  headersTimeout?: number;
  /**
   * Time allowed to receive the whole request (Node's `server.requestTimeout`); `0` disables.
   * @defaultValue `300_000`
   */
  requestTimeout?: number;
  /**
   * How long an idle keep-alive connection stays open (Node's `server.keepAliveTimeout`).
   * @defaultValue `5_000`
   */
  keepAliveTimeout?: number;
  /**
   * On shutdown, how long in-flight requests may take before their `request.signal` is
   * aborted and their connections are cut.
   * @defaultValue `10_000`
   */
  shutdownTimeout?: number;
  /**
   * WebSocket consumers by path, served on the same port as HTTP.
   * @example `{ '/ws/chat': consumer({ receive: (ctx, m) => m.type === 'text' && ctx.send(m.text) }) }`
   */
  websocket?: Record<string, AnyWebSocketRoute>;
  /**
   * Turns an error the handler threw into a response. Return `undefined` for the default
   * (`413` for `ERR_BODY_TOO_LARGE`, otherwise `500` and a log line).
   */
  onError?: (error: unknown, request: Request) => Response | undefined | Promise<Response | undefined>;
  /** Where unexpected errors are logged; `console` and pino both fit. @defaultValue `silentLogger` */
  logger?: Logger;
}

/** Defaults of {@link ServeOptions}, in one place. */
export const SERVE_DEFAULTS = {
  port: 3000,
  host: '127.0.0.1',
  bodyLimit: 1_048_576,
  headersTimeout: 60_000,
  requestTimeout: 300_000,
  keepAliveTimeout: 5_000,
  shutdownTimeout: 10_000,
} as const;

/** Validates serve options once, at startup (fail fast on a typo'd value). */
export function checkServeOptions(handler: unknown, options: ServeOptions): void {
  if (typeof handler !== 'function') throw invalidOption('handler', 'a function (request) => Response', handler);
  if (options === null || typeof options !== 'object') throw invalidOption('options', 'an object', options);
  const { port, host } = options;
  if (port !== undefined && !(Number.isInteger(port) && port >= 0 && port <= 65_535)) {
    throw invalidOption('port', 'an integer from 0 to 65535', port);
  }
  if (host !== undefined && (typeof host !== 'string' || host === '')) {
    throw invalidOption('host', 'a non-empty string', host);
  }
  checkSignal('signal', options.signal);
  checkCount('bodyLimit', options.bodyLimit, { infinite: true, unit: 'number of bytes' });
  checkCount('headersTimeout', options.headersTimeout, { unit: 'number of milliseconds' });
  checkCount('requestTimeout', options.requestTimeout, { unit: 'number of milliseconds' });
  checkCount('keepAliveTimeout', options.keepAliveTimeout, { unit: 'number of milliseconds' });
  checkCount('shutdownTimeout', options.shutdownTimeout, { unit: 'number of milliseconds' });
  checkFunction('onError', options.onError);
  if (options.websocket !== undefined) {
    if (options.websocket === null || typeof options.websocket !== 'object') {
      throw invalidOption('websocket', 'an object of routes by path', options.websocket);
    }
    for (const [path, route] of Object.entries(options.websocket)) {
      if (!path.startsWith('/')) throw invalidOption('websocket path', 'a path starting with `/`', path);
      if (route === null || typeof route !== 'object')
        throw invalidOption(`websocket['${path}']`, 'a route object', route);
    }
  }
}
