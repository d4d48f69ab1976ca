import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server as NodeServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Duplex } from 'node:stream';
import type { Handler, Logger } from '@adv/types';
import { AsyncError } from '../errors.js';
import { attachWebSockets, type WebSocketHub } from '../websocket/ws-adapter.js';
import { overrideGlobalResponse } from './light-response.js';
import { lazySignal, toRequest } from './node-request.js';
import { writeResponse } from './node-response.js';
import { nodeTimeouts, type ResolvedServeOptions, resolveServeOptions, type ServeOptions } from './options.js';

/** A running server, as returned by {@link serve}. */
export interface Server {
  /** Bound port (the real one when you asked for `0`). */
  readonly port: number;
  /** Bound host address. */
  readonly host: string;
  /** Base URL, e.g. `http://127.0.0.1:53124`. */
  readonly url: string;
  /** The socket address Node reports. */
  readonly address: AddressInfo;
  /** The underlying `node:http` server, for what this API does not cover. */
  readonly node: NodeServer;
  /** Number of requests currently being handled. */
  readonly inFlight: number;
  /** Number of open WebSocket connections. */
  readonly webSockets: number;
  /**
   * Graceful shutdown: stops accepting connections, closes WebSockets with 1001, lets in-flight
   * requests finish within `shutdownTimeout`, then aborts the rest. Idempotent.
   */
  close(): Promise<void>;
  /** Resolves once the server has shut down (by `close()` or its `signal`). */
  readonly closed: Promise<void>;
}

const noop = () => {};

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

interface InFlight {
  abort(reason: unknown): void;
  res: ServerResponse;
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

/**
 * Serves a Fetch handler on `node:http` (the uvicorn of this package): streaming bodies both
 * ways, body limit, timeouts, WebSocket consumers on the same port, graceful shutdown.
 *
 * @param handler - `(request) => Response`, e.g. a composed middleware chain or a Hono `app.fetch`.
 * @param options - See {@link ServeOptions}.
 * @example
 * ```ts
 * const server = await serve((request) => new Response('hi'), { port: 0 });
 * console.log(server.url);
 * process.on('SIGTERM', () => server.close());
 * ```
 */
export async function serve(handler: Handler, options?: ServeOptions): Promise<Server> {
  const o = resolveServeOptions(handler, options);
  const logger = o.logger;
  const inFlight = new Set<InFlight>();
  let closing = false;
  let drained: (() => void) | undefined;

  const node = createServer(nodeTimeouts(o), async function handleRequest(req: IncomingMessage, res: ServerResponse) {
    const entry: InFlight = { abort: noop, res };
    inFlight.add(entry);
    res.once('close', () => {
      if (!res.writableFinished) entry.abort(new AsyncError('ERR_ABORTED', 'client disconnected'));
      inFlight.delete(entry);
      if (inFlight.size === 0) drained?.();
    });
    if (closing) res.shouldKeepAlive = false;
    if (FORBIDDEN_METHODS.has(req.method ?? '')) {
      // No Request can carry this method, so the handler (and its middleware) never sees it.
      methodNotAllowed(res);
      return;
    }
    let request: Request | undefined;
    let response: Response;
    try {
      request = toRequest(req, { bodyLimit: o.bodyLimit });
      entry.abort = lazySignal(request);
      response = await handler(request);
      if (!(response instanceof Response)) {
        throw new TypeError(
          `Expected the handler to return a Response, got \`${String(response)}\` (${typeof response})`,
        );
      }
    } catch (error) {
      // The rest of an oversize body is not worth reading: close the connection after the 413.
      if (error instanceof AsyncError && error.code === 'ERR_BODY_TOO_LARGE') res.shouldKeepAlive = false;
      response = await errorResponse(error, request, o, logger);
    }
    if (closing) res.shouldKeepAlive = false;
    try {
      await writeResponse(res, response, req.method === 'HEAD');
    } catch (error) {
      logger.error({ err: error, url: request?.url }, 'writing the response failed');
    }
  });
  node.keepAliveTimeout = o.keepAliveTimeout;
  // CONNECT never reaches 'request': without a 'connect' listener Node drops the connection with
  // no answer. Answer 405 unless the application added its own listener (a proxy).
  node.on('connect', (_req: IncomingMessage, socket: Duplex) => {
    if (node.listenerCount('connect') > 1) return;
    socket.on('error', noop);
    socket.end(
      `HTTP/1.1 405 Method Not Allowed\r\nAllow: ${ALLOW}\r\nContent-Type: text/plain; charset=utf-8\r\n` +
        'Content-Length: 18\r\nConnection: close\r\n\r\nMethod Not Allowed',
    );
  });
  const hub: WebSocketHub | undefined = o.websocket
    ? attachWebSockets(node, o.websocket, { logger, isClosing: () => closing })
    : undefined;

  const restoreResponse = o.overrideGlobalResponse ? overrideGlobalResponse() : noop;
  node.listen(o.port, o.host);
  await Promise.race([
    once(node, 'listening'),
    once(node, 'error').then(([error]) => {
      hub?.destroy();
      restoreResponse();
      throw error;
    }),
  ]);
  const address = node.address() as AddressInfo;
  const urlHost = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let closePromise: Promise<void> | undefined;

  async function shutdown(): Promise<void> {
    closing = true;
    const serverClosed = new Promise<void>((resolve) => node.close(() => resolve()));
    node.closeIdleConnections();
    const waitForRequests = new Promise<void>((resolve) => {
      if (inFlight.size === 0) resolve();
      else drained = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(resolve, o.shutdownTimeout, 'timeout');
    });
    await Promise.all([
      hub?.closeAll(1001, 'Server shutting down', o.shutdownTimeout),
      Promise.race([waitForRequests, deadline]),
    ]);
    clearTimeout(timer);
    for (const entry of inFlight) {
      entry.abort(new AsyncError('ERR_CLOSED', `server shut down after \`shutdownTimeout\` (${o.shutdownTimeout} ms)`));
    }
    node.closeAllConnections();
    hub?.destroy();
    await serverClosed;
    restoreResponse();
    resolveClosed();
  }

  const close = (): Promise<void> => {
    closePromise ??= shutdown();
    return closePromise;
  };
  const { signal } = o;
  if (signal) {
    if (signal.aborted) void close();
    else signal.addEventListener('abort', () => void close(), { once: true });
  }

  return {
    port: address.port,
    host: address.address,
    url: `http://${urlHost}:${address.port}`,
    address,
    node,
    get inFlight() {
      return inFlight.size;
    },
    get webSockets() {
      return hub?.size ?? 0;
    },
    close,
    closed,
  };
}
