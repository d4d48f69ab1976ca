import type { IncomingMessage, Server as NodeServer, ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Handler, Logger } from '@adv/types';
import { setLazySignal, toRequest, writeFromMemory, writeStreamed } from '../bridge/index.js';
import { AsyncError } from '../errors.js';
import { isLazyResponse } from '../response/index.js';
import type { InFlight, InFlightRequests } from './in-flight.js';
import type { ResolvedServeOptions } from './options.js';

/**
 * Methods node:http parses but the Fetch standard forbids (it also forbids TRACK, which Node's
 * parser already refuses with 400) in a `Request` (undici's constructor
 * throws on them), so no handler can be given one: `serve` answers them itself. Two string
 * comparisons, not a `Set` lookup (which showed in the profile of every request).
 */
function forbiddenMethod(method: string | undefined): boolean {
  return method === 'TRACE' || method === 'CONNECT';
}
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

/** The default answer to an error: 413 for an oversize body, else 500 and a log line. */
function defaultErrorResponse(error: unknown, request: Request | undefined, logger: Logger): Response {
  if (error instanceof AsyncError && error.code === 'ERR_BODY_TOO_LARGE') {
    return new Response('Payload Too Large', { status: 413, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }
  logger.error({ err: error, url: request?.url }, 'request handler failed');
  return new Response('Internal Server Error', {
    status: 500,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

/**
 * The response for an error: `onError`'s when it gives one, else the default. An `onError` that
 * throws (or rejects) is logged and the default answers: the client still gets a response.
 */
function errorResponse(
  error: unknown,
  request: Request | undefined,
  options: ResolvedServeOptions,
  logger: Logger,
): Response | Promise<Response> {
  const onError = options.onError;
  if (request === undefined || onError === undefined) return defaultErrorResponse(error, request, logger);
  return new Promise<Response | undefined>((resolve) => resolve(onError(error, request))).then(
    (custom) => custom || defaultErrorResponse(error, request, logger),
    (failure: unknown) => {
      logger.error({ err: failure, url: request.url }, 'onError failed');
      return defaultErrorResponse(error, request, logger);
    },
  );
}

/** Whether the handler's result must be awaited (anything with a `then`: a promise). */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  return typeof (value as { then?: unknown } | null)?.then === 'function';
}

function notAResponse(response: unknown): TypeError {
  return new TypeError(`Expected the handler to return a Response, got \`${String(response)}\` (${typeof response})`);
}

/** Writes what the handler gave, and answers its errors (413, `onError`, 500). */
function responder(o: ResolvedServeOptions, requests: InFlightRequests) {
  const logger = o.logger;

  function writeFailed(error: unknown, request: Request | undefined): void {
    logger.error({ err: error, url: request?.url }, 'writing the response failed');
  }

  /** Writes the response: a lazy one at once from memory, any other through `writeStreamed`. */
  function write(req: IncomingMessage, res: ServerResponse, request: Request | undefined, response: Response): void {
    if (requests.closing) res.shouldKeepAlive = false;
    const head = req.method === 'HEAD';
    try {
      if (writeFromMemory(res, response, head)) return;
    } catch (error) {
      writeFailed(error, request);
      return;
    }
    writeStreamed(res, response, head).catch((error: unknown) => writeFailed(error, request));
  }

  /** Answers an error of the handler (or of its result) with `onError`'s response or the default. */
  function fail(req: IncomingMessage, res: ServerResponse, request: Request | undefined, error: unknown): void {
    // The rest of an oversize body is not worth reading: close the connection after the 413.
    if (error instanceof AsyncError && error.code === 'ERR_BODY_TOO_LARGE') res.shouldKeepAlive = false;
    const response = errorResponse(error, request, o, logger);
    if (response instanceof Promise) void response.then((answer) => write(req, res, request, answer));
    else write(req, res, request, response);
  }

  /** What the handler gave, once settled: a Response is written, anything else is a 500. */
  function settle(req: IncomingMessage, res: ServerResponse, request: Request | undefined, value: unknown): void {
    // A lazy response is known by one slot read, before `instanceof` (a custom hasInstance).
    if (isLazyResponse(value) || value instanceof Response) write(req, res, request, value);
    else fail(req, res, request, notAResponse(value));
  }

  return { settle, fail };
}

/**
 * The `node:http` request listener of `serve()`: bridges the request to `handler`, answers its
 * errors (413, `onError`, 500) and writes the response, keeping `requests` up to date.
 *
 * A handler's result that is not a promise is written at once, inside node's `request` event:
 * a lazy response (`new Response('…')` under the light global, `text()`, `json()`, `html()`)
 * from memory, with no promise and no microtask. A promise gets one `then` (no `async`
 * function: under AsyncLocalStorage every promise runs the hooks). Every response is checked
 * for the from-memory write once, in `write`.
 */
export function requestListener(handler: Handler, o: ResolvedServeOptions, requests: InFlightRequests) {
  const { settle, fail } = responder(o, requests);

  /** Bridges one request: the handler's result written at once, or once its promise settles. */
  function answer(req: IncomingMessage, res: ServerResponse, entry: InFlight): void {
    if (requests.closing) res.shouldKeepAlive = false;
    if (forbiddenMethod(req.method)) {
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
      fail(req, res, request, error);
      return;
    }
    if (!isThenable(result)) {
      settle(req, res, request, result);
      return;
    }
    let settled: Promise<unknown>;
    try {
      // Hands a native promise back as it is (it reads `constructor`, which may throw); adopts any other thenable.
      settled = Promise.resolve(result);
    } catch (error) {
      fail(req, res, request, error);
      return;
    }
    void settled.then(
      (value) => settle(req, res, request, value),
      (error: unknown) => fail(req, res, request, error),
    );
  }

  return function handleRequest(req: IncomingMessage, res: ServerResponse): void {
    const entry = requests.track(res);
    try {
      answer(req, res, entry);
    } finally {
      // Forgets a response already written in full, or watches it until it closes.
      requests.settle(entry);
    }
  };
}
