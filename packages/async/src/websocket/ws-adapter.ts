/**
 * The one file that knows about `ws`: upgrades on the HTTP server, origin and auth checks,
 * heartbeats, and graceful close. Everything else works on `WebSocketInit`.
 */
import { type IncomingMessage, type Server, STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Logger } from '@adv/types';
import { type RawData, type WebSocket, WebSocketServer } from 'ws';
import { toRequest } from '../bridge/index.js';
import { memoryLayer } from '../layers/memory-layer.js';
import type { ChannelLayer } from '../layers/types.js';
import { openConnection } from './connection.js';
import { type ResolvedRoute, resolveRoute } from './consumer.js';
import { checkHandshake, selectProtocol } from './handshake.js';
import { hostAllowed } from './hosts.js';
import { originAllowed } from './origin.js';
import type { AnyWebSocketRoute, ReadyState, WebSocketInit } from './types.js';

/** What `serve` holds on to: the open sockets and how to close them. */
export interface WebSocketHub {
  readonly size: number;
  /** Closes every socket with `code`, terminating those that do not finish within `timeout` ms. */
  closeAll(code: number, reason: string, timeout: number): Promise<void>;
  /** Stops heartbeats and the default layer. */
  destroy(): void;
}

interface Mount {
  route: ResolvedRoute<unknown>;
  wss: WebSocketServer;
  sockets: Set<WebSocket>;
  heartbeat?: NodeJS.Timeout;
}

function reject(
  socket: Duplex,
  status: number,
  body = STATUS_CODES[status] ?? '',
  headers?: Headers | Record<string, string>,
): void {
  const extra: string[] = [];
  const entries = headers instanceof Headers ? headers.entries() : Object.entries(headers ?? {});
  for (const [name, value] of entries) {
    if (name !== 'content-length' && name !== 'connection') extra.push(`${name}: ${value}\r\n`);
  }
  const bytes = Buffer.byteLength(body);
  socket.end(
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\nConnection: close\r\n${extra.join('')}Content-Length: ${bytes}\r\n\r\n${body}`,
  );
}

const NO_OPTIONS = Object.freeze({});

function toPayload(data: RawData, isBinary: boolean): string | Uint8Array {
  const buffer = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer);
  return isBinary ? new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength) : buffer.toString('utf8');
}

/** What the upgrade and accept steps share: every open socket, liveness, the routes, the logger. */
interface Hub {
  all: Set<WebSocket>;
  alive: WeakSet<WebSocket>;
  mounts: Map<string, Mount>;
  logger: Logger;
  isClosing(): boolean;
}

/** A route's `WebSocketServer`, with its heartbeat (terminates sockets that missed a pong). */
function createMount(route: ResolvedRoute<unknown>, alive: WeakSet<WebSocket>): Mount {
  const mount: Mount = {
    route,
    wss: new WebSocketServer({
      noServer: true,
      maxPayload: route.maxMessageSize,
      clientTracking: false,
      handleProtocols: (offered) => selectProtocol(offered, route.protocols),
    }),
    sockets: new Set(),
  };
  if (route.heartbeatInterval > 0) {
    mount.heartbeat = setInterval(() => {
      for (const ws of mount.sockets) {
        if (!alive.has(ws)) ws.terminate();
        else {
          alive.delete(ws);
          ws.ping();
        }
      }
    }, route.heartbeatInterval);
    mount.heartbeat.unref();
  }
  return mount;
}

/** The runtime-neutral view of a `ws` socket that consumers work on. */
function webSocketInit(ws: WebSocket): WebSocketInit {
  return {
    send: (payload, sendOptions) => ws.send(payload, sendOptions ?? NO_OPTIONS),
    close: (code, reason) => ws.close(code, reason),
    get readyState() {
      return ws.readyState as ReadyState;
    },
    get bufferedAmount() {
      return ws.bufferedAmount;
    },
    protocol: ws.protocol,
    raw: ws,
  };
}

/** Starts the route's consumer on an upgraded socket. */
function accept(hub: Hub, mount: Mount, ws: WebSocket, request: Request, data: unknown): void {
  const { all, alive, logger } = hub;
  all.add(ws);
  mount.sockets.add(ws);
  alive.add(ws);
  ws.on('pong', () => alive.add(ws));
  let connection: ReturnType<typeof openConnection>;
  try {
    connection = openConnection(mount.route, webSocketInit(ws), request, data, logger);
  } catch (error) {
    // E.g. the route's channel layer was closed before the server.
    logger.error({ err: error }, 'WebSocket connection could not start');
    all.delete(ws);
    mount.sockets.delete(ws);
    ws.close(1011, 'Internal error');
    return;
  }
  ws.on('message', (payload, isBinary) => connection.onMessage(toPayload(payload, isBinary)));
  ws.on('error', (error) => logger.warn({ err: error }, 'WebSocket error'));
  ws.once('close', (code, reason) => {
    all.delete(ws);
    mount.sockets.delete(ws);
    connection.onClose(code, reason.toString('utf8'));
  });
  connection.start();
}

/** Checks an upgrade (route, shutdown, handshake, host, origin, authenticate), then accepts it. */
async function upgrade(hub: Hub, req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> {
  socket.on('error', () => {});
  const mount = hub.mounts.get((req.url ?? '/').split('?')[0]!);
  if (mount === undefined) return reject(socket, 404);
  if (hub.isClosing()) return reject(socket, 503);
  const refusal = checkHandshake(req);
  if (refusal !== undefined) return reject(socket, refusal.status, refusal.message, refusal.headers);
  const allowedHosts = mount.route.allowedHosts;
  if (allowedHosts !== undefined && !hostAllowed(req.headers.host, allowedHosts)) {
    return reject(socket, 400, 'Invalid Host header');
  }
  const request = toRequest(req, { body: false });
  if (!originAllowed(request, mount.route.allowedOrigins)) return reject(socket, 403, 'Origin not allowed');
  let data: unknown;
  if (mount.route.authenticate) {
    try {
      const result = await mount.route.authenticate(request);
      if (result instanceof Response) return reject(socket, result.status, await result.text(), result.headers);
      data = result;
    } catch (error) {
      hub.logger.error({ err: error, url: request.url }, 'WebSocket authenticate failed');
      return reject(socket, 500);
    }
  }
  if (socket.destroyed) return;
  mount.wss.handleUpgrade(req, socket, head, (ws) => accept(hub, mount, ws, request, data));
}

/** Closes every socket with `code`, terminating those that do not finish within `timeout` ms. */
async function closeSockets(all: Set<WebSocket>, code: number, reason: string, timeout: number): Promise<void> {
  const closing = [...all].map(
    (ws) =>
      new Promise<void>((resolve) => {
        if (ws.readyState === ws.CLOSED) return resolve();
        const timer = setTimeout(() => ws.terminate(), timeout);
        ws.once('close', () => {
          clearTimeout(timer);
          resolve();
        });
        ws.close(code, reason);
      }),
  );
  await Promise.all(closing);
}

/** Attaches WebSocket routes to an HTTP server's `upgrade` event. */
export function attachWebSockets(
  server: Server,
  routes: Record<string, AnyWebSocketRoute>,
  options: { logger: Logger; isClosing(): boolean },
): WebSocketHub {
  const { logger } = options;
  let ownLayer: ChannelLayer | undefined;
  const defaultLayer = () => {
    ownLayer ??= memoryLayer();
    return ownLayer;
  };
  const hub: Hub = { all: new Set(), alive: new WeakSet(), mounts: new Map(), logger, isClosing: options.isClosing };
  for (const [path, route] of Object.entries(routes)) {
    hub.mounts.set(path, createMount(resolveRoute(route, defaultLayer), hub.alive));
  }

  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    upgrade(hub, req, socket, head).catch((error: unknown) => {
      logger.error({ err: error }, 'WebSocket upgrade failed');
      socket.destroy();
    });
  });

  return {
    get size() {
      return hub.all.size;
    },
    closeAll: (code, reason, timeout) => closeSockets(hub.all, code, reason, timeout),
    destroy() {
      for (const mount of hub.mounts.values()) {
        clearInterval(mount.heartbeat);
        mount.wss.close();
      }
      void ownLayer?.close();
    },
  };
}
