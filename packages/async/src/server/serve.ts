import { once } from 'node:events';
import { createServer, type Server as NodeServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Handler } from '@adv/types';
import { AsyncError } from '../errors.js';
import { overrideGlobalResponse } from '../response/index.js';
import { attachWebSockets, type WebSocketHub } from '../websocket/ws-adapter.js';
import { answerConnect, requestListener } from './handle-request.js';
import { InFlightRequests } from './in-flight.js';
import { nodeTimeouts, resolveServeOptions, type ServeOptions } from './options.js';

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

/** What a graceful shutdown works on. */
interface Running {
  node: NodeServer;
  requests: InFlightRequests;
  hub: WebSocketHub | undefined;
  shutdownTimeout: number;
}

/**
 * Graceful shutdown: stops accepting, closes WebSockets with 1001, waits for in-flight requests
 * up to `shutdownTimeout`, then aborts the rest and closes every connection.
 */
async function shutdown({ node, requests, hub, shutdownTimeout }: Running): Promise<void> {
  requests.closing = true;
  const serverClosed = new Promise<void>((resolve) => node.close(() => resolve()));
  node.closeIdleConnections();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(resolve, shutdownTimeout, 'timeout');
  });
  await Promise.all([
    hub?.closeAll(1001, 'Server shutting down', shutdownTimeout),
    Promise.race([requests.drained(), deadline]),
  ]);
  clearTimeout(timer);
  requests.abortAll(new AsyncError('ERR_CLOSED', `server shut down after \`shutdownTimeout\` (${shutdownTimeout} ms)`));
  node.closeAllConnections();
  hub?.destroy();
  await serverClosed;
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
  const requests = new InFlightRequests();
  const node = createServer(nodeTimeouts(o), requestListener(handler, o, requests));
  node.keepAliveTimeout = o.keepAliveTimeout;
  answerConnect(node);
  const hub: WebSocketHub | undefined = o.websocket
    ? attachWebSockets(node, o.websocket, { logger: o.logger, isClosing: () => requests.closing })
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

  const close = (): Promise<void> => {
    closePromise ??= shutdown({ node, requests, hub, shutdownTimeout: o.shutdownTimeout }).then(() => {
      restoreResponse();
      resolveClosed();
    });
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
      return requests.size;
    },
    get webSockets() {
      return hub?.size ?? 0;
    },
    close,
    closed,
  };
}
