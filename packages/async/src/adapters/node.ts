import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Handler, type Logger, type Middleware, type OptionKeys, type Resolved, silentLogger } from '@adv/types';
import { lazySignal, toRequest, writeResponse } from '../bridge/index.js';
import { AsyncError } from '../errors.js';
import { asyncOptions, checkCount, checkLogger, invalidOption } from '../validate.js';
import { type Capture, captureDownstream } from './capture.js';

/** Options of the Node and Express adapters. */
export interface NodeAdapterOptions {
  /** Largest request body, in bytes. @defaultValue `Infinity` (the host server decides) */
  bodyLimit?: number | undefined;
  /** Where handler errors are logged. @defaultValue `silentLogger` */
  logger?: Logger | undefined;
}

const ADAPTER_KEYS: OptionKeys<NodeAdapterOptions> = { bodyLimit: true, logger: true };
const ADAPTER_DEFAULTS = { bodyLimit: Number.POSITIVE_INFINITY, logger: silentLogger };
type ResolvedAdapterOptions = Resolved<NodeAdapterOptions, typeof ADAPTER_DEFAULTS>;

/** Resolves and checks adapter options once, when the adapter is made. */
function adapterOptions(name: string, options: NodeAdapterOptions | undefined): ResolvedAdapterOptions {
  const o = asyncOptions(name, options, ADAPTER_KEYS, ADAPTER_DEFAULTS);
  checkCount('bodyLimit', o.bodyLimit, { infinite: true, unit: 'number of bytes' });
  checkLogger('logger', o.logger);
  return o;
}

/** A `node:http` request listener. */
export type NodeHandler = (req: IncomingMessage, res: ServerResponse) => void;
/** An Express (or Connect) middleware. */
export type ExpressMiddleware = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

function failure(error: unknown): Response {
  const tooLarge = error instanceof AsyncError && error.code === 'ERR_BODY_TOO_LARGE';
  return new Response(tooLarge ? 'Payload Too Large' : 'Internal Server Error', {
    status: tooLarge ? 413 : 500,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

function requestFor(req: IncomingMessage, res: ServerResponse, options: ResolvedAdapterOptions): Request {
  const request = toRequest(req, { bodyLimit: options.bodyLimit });
  const abort = lazySignal(request);
  res.once('close', () => {
    if (!res.writableFinished) abort(new AsyncError('ERR_ABORTED', 'client disconnected'));
  });
  return request;
}

/**
 * Wraps a Fetch handler as a `node:http` request listener (for `http.createServer`, or any
 * framework that accepts one).
 *
 * @param handler - `(request) => Response`.
 * @example
 * ```ts
 * http.createServer(toNodeHandler((request) => new Response('hi'))).listen(3000);
 * ```
 */
export function toNodeHandler(handler: Handler, options?: NodeAdapterOptions): NodeHandler {
  if (typeof handler !== 'function') throw invalidOption('handler', 'a function (request) => Response', handler);
  return nodeHandlerOf(handler, adapterOptions('toNodeHandler', options));
}

function nodeHandlerOf(handler: Handler, o: ResolvedAdapterOptions): NodeHandler {
  const { logger } = o;
  return function nodeHandler(req, res) {
    void (async () => {
      let response: Response;
      try {
        response = await handler(requestFor(req, res, o));
      } catch (error) {
        logger.error({ err: error }, 'handler failed');
        response = failure(error);
      }
      await writeResponse(res, response, req.method === 'HEAD').catch((error: unknown) =>
        logger.error({ err: error }, 'writing the response failed'),
      );
    })();
  };
}

/**
 * Runs a Fetch `Middleware` (or a `Handler`, told apart by taking fewer than two parameters)
 * in Express. A middleware's `next(request)` continues the Express chain (with the request's
 * headers copied onto `req.headers`) and resolves with the
 * downstream's response as a streaming Fetch `Response`, which the middleware may change or
 * replace before it is written; a short-circuit response is written directly. A streamed
 * downstream (several `res.write` calls, `pipeline(stream, res)`, `res.flushHeaders()`) stays
 * captured until it calls `res.end`: every chunk goes through the middleware's `Response`, with
 * backpressure (`res.write` returns `false` and `'drain'` follows, as on a socket). After the
 * first write the head is fixed: `setHeader`/`writeHead` then throw `ERR_HTTP_HEADERS_SENT`, as
 * Node does. If the client goes away mid-stream the captured body errors with `ERR_ABORTED`
 * and `res` is closed, so a `pipeline` destroys its source.
 *
 * @param fetchFn - A `Middleware` `(request, next) => Response` or a `Handler` `(request) => Response`.
 * @example
 * ```ts
 * app.use(toExpress(securityHeaders));
 * app.get('/hello', toExpress((request) => new Response('hi')));
 * ```
 */
export function toExpress(fetchFn: Middleware | Handler, options?: NodeAdapterOptions): ExpressMiddleware {
  if (typeof fetchFn !== 'function') throw invalidOption('fetchFn', 'a function (request, next?) => Response', fetchFn);
  const o = adapterOptions('toExpress', options);
  if (fetchFn.length < 2) {
    const nodeHandler = nodeHandlerOf(fetchFn as Handler, o);
    return function expressHandler(req, res) {
      nodeHandler(req, res);
    };
  }
  const middleware = fetchFn as Middleware;
  const { logger } = o;
  return function expressMiddleware(req, res, next) {
    void (async () => {
      let capture: Capture | undefined;
      let response: Response;
      try {
        const original = requestFor(req, res, o);
        response = await middleware(original, async (request) => {
          // Headers the middleware changed on the request it passes on reach Express too.
          if (request !== original) req.headers = Object.fromEntries(request.headers);
          capture ??= captureDownstream(res);
          next();
          return capture.response;
        });
      } catch (error) {
        if (res.destroyed && error instanceof AsyncError && error.code === 'ERR_ABORTED') {
          capture?.settle();
          return;
        }
        logger.error({ err: error }, 'middleware failed');
        response = failure(error);
      }
      // The downstream may still be writing (a streamed route): its calls stay captured, and the
      // middleware's response goes out through the real methods.
      const sink = capture?.sink ?? res;
      try {
        if (sink.headersSent || res.destroyed) {
          await response.body?.cancel().catch(() => {});
          return;
        }
        for (const name of sink.getHeaderNames()) sink.removeHeader(name);
        await writeResponse(sink, response, req.method === 'HEAD');
      } catch (error) {
        if (!(error instanceof AsyncError && error.code === 'ERR_ABORTED'))
          logger.error({ err: error }, 'writing the response failed');
      } finally {
        capture?.settle();
      }
    })();
  };
}
