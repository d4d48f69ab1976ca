import type { ChannelLayer } from '../layers/types.js';

/** WebSocket ready states, as in the browser: CONNECTING, OPEN, CLOSING, CLOSED. */
export type ReadyState = 0 | 1 | 2 | 3;

/**
 * The tiny runtime interface a context is built over (Hono's `WSContextInit` idea): only the
 * `ws` adapter file knows what is underneath, so the consumer code stays runtime-neutral.
 */
export interface WebSocketInit {
  /** Sends a message; `binary: false` sends bytes as a text frame (already UTF-8). */
  send(data: string | Uint8Array, options?: { binary?: boolean }): void;
  close(code: number, reason: string): void;
  readonly readyState: ReadyState;
  /** Bytes queued but not yet written to the socket. */
  readonly bufferedAmount: number;
  /** The subprotocol selected in the handshake; `''` for none. */
  readonly protocol: string;
  /** The underlying socket (`ws`'s `WebSocket` on Node). */
  readonly raw: unknown;
}

/** A received message: text (with a `json()` helper) or binary. */
export type WebSocketMessage =
  | {
      readonly type: 'text';
      readonly text: string;
      /** Parses the text as JSON; throws `ERR_INVALID_MESSAGE` (the connection closes with 1007). */
      json<T = unknown>(): T;
    }
  | { readonly type: 'binary'; readonly data: Uint8Array };

/** What a consumer sees of its connection. */
export interface WebSocketContext<Data = unknown> {
  /** The upgrade request (headers, cookies, URL). */
  readonly request: Request;
  /** What `authenticate` returned. */
  readonly data: Data;
  /** The subprotocol selected in the handshake (one of the route's `protocols`); `''` for none. */
  readonly protocol: string;
  /** This connection's channel name in the channel layer. */
  readonly channel: string;
  /** The channel layer of this route. */
  readonly layer: ChannelLayer;
  /** Groups this connection belongs to. */
  readonly groups: ReadonlySet<string>;
  readonly readyState: ReadyState;
  /** The underlying socket (`ws`'s `WebSocket`). */
  readonly raw: unknown;
  /**
   * Sends text or binary. Returns `false` when the message was not sent: the socket is not
   * open, or it is over the backpressure limit (then the policy drops it or closes with 1013).
   */
  send(data: string | Uint8Array): boolean;
  /** Sends `JSON.stringify(value)`; same return value as `send`. */
  sendJson(value: unknown): boolean;
  /** Closes the connection. @defaultValue code `1000` */
  close(code?: number, reason?: string): void;
  /**
   * Joins a group (left automatically on disconnect). Throws `ERR_LIMIT` past the route's
   * `maxGroupsPerConnection`; rejects as the layer does (`ERR_BACKEND` when Redis is down), and
   * then the connection is not in the group.
   */
  groupAdd(group: string): Promise<void>;
  /** Leaves a group. */
  groupDiscard(group: string): Promise<void>;
  /** Sends to a group through the layer (every process sharing it). */
  groupSend(group: string, message: unknown): Promise<void>;
}

/** What to do when a client reads slower than the server sends. */
export interface BackpressureOptions {
  /**
   * Bytes queued on the socket above which a send is refused.
   * @defaultValue `1_048_576`
   */
  limit?: number | undefined;
  /**
   * `'drop'`: skip the message (`send` returns `false`, group messages raise `dropped` on the
   * layer); `'close'`: close the connection with 1013 (try again later).
   * @defaultValue `'close'`
   */
  policy?: 'drop' | 'close' | undefined;
}

/** A WebSocket consumer attached to a path (a Channels `AsyncWebsocketConsumer`). */
export interface WebSocketRoute<Data = unknown> {
  /**
   * Decides whether to accept the upgrade, from the request's headers and cookies. Return the
   * connection's `data`, or a `Response` to reject with its status (e.g. 401). Throwing rejects with 500.
   */
  authenticate?: ((request: Request) => Data | Response | Promise<Data | Response>) | undefined;
  /** Runs once the socket is open; may `groupAdd`. Throwing closes with 1011. */
  connect?: ((ctx: WebSocketContext<Data>) => unknown) | undefined;
  /** Runs for each message, one at a time per connection. Throwing closes with 1011 (1007 for bad JSON). */
  receive?: ((ctx: WebSocketContext<Data>, message: WebSocketMessage) => unknown) | undefined;
  /** Runs after the socket closed; groups are left afterwards. */
  disconnect?: ((ctx: WebSocketContext<Data>, event: { code: number; reason: string }) => unknown) | undefined;
  /**
   * Handles a message sent to this connection's channel or one of its groups.
   * @defaultValue sends the message as JSON text
   */
  groupMessage?: ((ctx: WebSocketContext<Data>, message: unknown) => unknown) | undefined;
  /** Channel layer for groups. @defaultValue one `memoryLayer()` shared by the server's routes */
  layer?: ChannelLayer | undefined;
  /**
   * Allowed `Origin`s: full origins (`https://example.com`), host patterns (`example.com`,
   * `*.example.com`) or `'*'`. A request without `Origin` (not a browser) is allowed.
   * @defaultValue same host as the request's `Host` header
   */
  allowedOrigins?: readonly string[] | undefined;
  /**
   * Allowed `Host` headers of the upgrade request, with Django's `ALLOWED_HOSTS` rules: exact
   * names (`example.com`), a leading dot for a domain and its subdomains (`.example.com`), or
   * `'*'`; case-insensitive, the port ignored. Any other Host (DNS rebinding: `evil.example`
   * pointing at your server) gets `400` before the handshake, before `authenticate` runs. Pass
   * the same list as your HTTP allowed-hosts middleware: upgrades do not go through it.
   * @defaultValue any Host (no check)
   * @example `['example.com', '.example.com', 'localhost']`
   */
  allowedHosts?: readonly string[] | undefined;
  /**
   * Subprotocols this consumer speaks, in order of preference. The handshake answers with the
   * first of them the client offered in `Sec-WebSocket-Protocol` (`ctx.protocol`), or with none
   * when there is no match; a subprotocol the client did not offer is never selected
   * (RFC 6455 section 4.2.2). Names are RFC 7230 tokens.
   * @defaultValue none: the handshake selects no subprotocol
   * @example `['graphql-transport-ws', 'graphql-ws']`
   */
  protocols?: readonly string[] | undefined;
  /**
   * Most groups one connection may be in at once; a `groupAdd` past it throws `AsyncError`
   * `ERR_LIMIT` (left uncaught in a hook, the connection closes with 1008). Bounds the memory
   * one client can make the server hold. `Infinity` disables the limit.
   * @defaultValue `100`
   */
  maxGroupsPerConnection?: number | undefined;
  /**
   * Largest incoming message in bytes; a larger one closes the connection with 1009.
   * @defaultValue `1_048_576`
   */
  maxMessageSize?: number | undefined;
  /**
   * Milliseconds between pings; a peer that missed the previous pong is dropped. `0` disables.
   * @defaultValue `30_000`
   */
  heartbeatInterval?: number | undefined;
  /** Slow-consumer policy. */
  backpressure?: BackpressureOptions | undefined;
}

/** Defaults of {@link WebSocketRoute}. */
export const WEBSOCKET_DEFAULTS = {
  maxGroupsPerConnection: 100,
  maxMessageSize: 1_048_576,
  heartbeatInterval: 30_000,
  backpressure: { limit: 1_048_576, policy: 'close' as 'drop' | 'close' },
} as const;

/**
 * A route of any `Data` type, as `serve({ websocket })` accepts them: each route's `Data` is
 * checked where it is declared (with `consumer()`), and hooks are contravariant in it.
 */
// biome-ignore lint/suspicious/noExplicitAny: see above; `unknown` would reject every typed route.
export type AnyWebSocketRoute = WebSocketRoute<any>;
