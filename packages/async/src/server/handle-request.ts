import type { IncomingMessage, Server as NodeServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Handler, Logger } from '@adv/types';
import { setLazySignal, toRequest, writeFromMemory, writeResponse } from '../bridge/index.js';
import { AsyncError } from '../errors.js';
import type { InFlightRequests } from './in-flight.js';
import type { ResolvedServeOptions } from './options.js';

/**
 * Methods node:http parses but the Fetch standard forbids (it also forbids TRACK, which Node's
 * parser already refuses with 400) in a `Request` (undici's constructor
 * throws on them), so no handler can be given one: `serve` answers them itself.
 */
const FORBIDDEN_METHODS = new Set(['TRACE', 'CONNECT']);
/** The `Allow` of that 405: the methods a Fetch handler can be asked about. */
const ALLOW = 'GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS';

/** 405 without echoing anything of the request (a TRACE echo would leak cookies: cross-site tracing). */
function methodNotAllowed(res: ServerResponse): void {
  res.writeHead(405, {
    allow: ALLOW,
    'content-type': 'text/plain; charset=utf-8',
    'content-length': '18',
  });
  res.end('Method Not Allowed');
}

/**
 * CONNECT never reaches 'request': without a 'connect' listener Node drops the connection with
 * no answer. Answers 405 unless the application added its own listener (a proxy).
 */
export function answerConnect(node: NodeServer): void {
  node.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    if (node.listenerCount('connect') > 1) return;
    socket.on('error', () => {});
    socket.end(
      `HTTP/1.1 405 Method Not Allowed\r\nAllow: ${ALLOW}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        'Content-Length: 18\r\nConnection: close\r\n\r\nMethod Not Allowed',
    );
  });
}

async function errorResponse(
  error: unknown,
  request: Request | undefined,
  options: ResolvedServeOptions,
  logger: Logger,
): Promise<Response> {
  if (request && options.onError) {
    const custom = await options.onError(error, request);
    if (custom) return custom;
  }
  if (error instanceof AsyncError && error.code === 'ERR_BODY_TOO_LARGE') {
    return new Response('Payload Too Large', { status: 413, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  logger.error({ err: error, url: request?.url }, 'request handler failed');
  return new Response('Internal Server Error', {
    status: 500,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

/** Whether the handler's result must be awaited (anything with a `then`: a promise). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function notAResponse(response: unknown): TypeError {
  return new TypeError(`Expected the handler to return a Response, got \`${String(response)}\` (${typeof response})`);
}

/**
 * The `node:http` request listener of `serve()`: bridges the request to `handler`, answers its
 * errors (413, `onError`, 500) and writes the response, keeping `requests` up to date.
 *
 * Fast path: a handler that returns (not a promise of) a lazy response (`new Response('…')`
 * under the light global, `text()`, `json()`, `html()`) is answered synchronously: no promise,
 * no microtask. Everything else goes through `finish`, with the same behaviour as before.
 */
export function requestListener(handler: Handler, o: ResolvedServeOptions, requests: InFlightRequests) {
  const finish = finisher(o);
  return function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const entry = requests.track(res);
    if (requests.closing) res.shouldKeepAlive = false;
    if (FORBIDDEN_METHODS.has(req.method ?? '')) {
      // No Request can carry this method, so the handler (and its middleware) never sees it.
      methodNotAllowed(res);
      return;
    }
    let request: Request | undefined;
    let result: unknown;
    try {
      request = toRequest(req, { bodyLimit: o.bodyLimit });
      setLazySignal(request, entry);
      result = handler(request);
    } catch (error) {
      void finish(req, res, request, Promise.reject(error), requests);
      return;
    }
    if (!isThenable(result) && result instanceof Response && !requests.closing) {
      try {
        if (writeFromMemory(res, result, req.method === 'HEAD')) return;
      } catch (error) {
        o.logger.error({ err: error, url: request?.url }, 'writing the response failed');
        return;
      }
    }
    void finish(req, res, request, result, requests);
  };
}

/** The general path of `handleRequest`: awaits the result, answers errors, writes any response. */
function finisher(o: ResolvedServeOptions) {
  const logger = o.logger;
  return async function finish(
    req: IncomingMessage,
    res: ServerResponse,
    request: Request | undefined,
    result: unknown,
    requests: InFlightRequests,
  ): Promise<void> {
    let response: Response;
    try {
      const awaited = await result;
      if (!(awaited instanceof Response)) throw notAResponse(awaited);
      response = awaited;
    } catch (error) {
      // The rest of an oversize body is not worth reading: close the connection after the 413.
      if (error instanceof AsyncError && error.code === 'ERR_BODY_TOO_LARGE') res.shouldKeepAlive = false;
      response = await errorResponse(error, request, o, logger);
    }
    if (requests.closing) res.shouldKeepAlive = false;
    try {
      // A lazy response is written at once, without writeResponse's promise.
      if (!writeFromMemory(res, response, req.method === 'HEAD'))
        await writeResponse(res, response, req.method === 'HEAD');
    } catch (error) {
      logger.error({ err: error, url: request?.url }, 'writing the response failed');
    }
  };
}
