import type { Logger } from '@adv/types';
import { AsyncError } from '../errors.js';
import { jsonBytes } from '../layers/json-cache.js';
import type { ChannelLayer } from '../layers/types.js';
import type { ResolvedRoute } from './consumer.js';
import type { WebSocketContext, WebSocketInit, WebSocketMessage } from './types.js';

/** What the runtime adapter drives: incoming messages, the close, and the start. */
export interface ConnectionHandle {
  start(): void;
  onMessage(data: string | Uint8Array): void;
  onClose(code: number, reason: string): void;
}

/** Marks a send that is not a layer message (the consumer's own `send`). */
const NOT_LAYER = Symbol('not a layer message');
/** Options for pre-encoded UTF-8 bytes sent as a text frame, shared by every send. */
const TEXT_FRAME = Object.freeze({ binary: false });

function textMessage(text: string): WebSocketMessage {
  return {
    type: 'text',
    text,
    json<T>(): T {
      try {
        return JSON.parse(text) as T;
      } catch (cause) {
        throw new AsyncError('ERR_INVALID_MESSAGE', 'WebSocket message is not valid JSON', { cause });
      }
    },
  };
}

/** What the pieces of one connection share: the hook chain and whether it closed. */
interface ConnectionState {
  /** Consumer hooks run one after the other, as Channels does per consumer. */
  chain: Promise<unknown>;
  closed: boolean;
}

type Sender = (payload: string | Uint8Array, layerMessage: unknown) => boolean;

/** How a failed hook ends the connection: 1008 over a limit, 1007 for bad data, else 1011. */
function failHandler(init: WebSocketInit, logger: Logger, channel: string): (error: unknown) => void {
  return (error) => {
    const code = error instanceof AsyncError ? error.code : undefined;
    if (code === 'ERR_LIMIT') {
      logger.warn({ err: error, channel }, 'WebSocket connection over a limit');
      if (init.readyState === 1) init.close(1008, 'Too many groups');
      return;
    }
    const invalid = code === 'ERR_INVALID_MESSAGE';
    if (!invalid) logger.error({ err: error, channel }, 'WebSocket consumer failed');
    if (init.readyState === 1) init.close(invalid ? 1007 : 1011, invalid ? 'Invalid message data' : 'Internal error');
  };
}

/**
 * Sends unless the socket is over the backpressure limit. `layerMessage` is the layer message
 * behind a pre-encoded group payload (reported if dropped); `NOT_LAYER` for the consumer's own
 * sends. No per-send allocation here: a broadcast calls this once per member.
 */
function createSender<Data>(route: ResolvedRoute<Data>, init: WebSocketInit, channel: string): Sender {
  const { layer, backpressure } = route;
  return (payload, layerMessage) => {
    if (init.readyState !== 1) return false;
    if (init.bufferedAmount > backpressure.limit) {
      if (backpressure.policy === 'close') init.close(1013, 'Client too slow (backpressure)');
      else if (layerMessage !== NOT_LAYER)
        layer.reportDropped({ channel, reason: 'backpressure', message: layerMessage });
      return false;
    }
    // Layer messages go out as pre-encoded UTF-8 text shared by every member of the group.
    if (layerMessage !== NOT_LAYER) init.send(payload, TEXT_FRAME);
    else init.send(payload);
    return true;
  };
}

/** The `ctx` every hook of the connection gets. */
function createContext<Data>(
  route: ResolvedRoute<Data>,
  init: WebSocketInit,
  connection: { request: Request; data: Data; channel: string; groups: Set<string>; state: ConnectionState },
  trySend: Sender,
): WebSocketContext<Data> {
  const { request, data, channel, groups, state } = connection;
  const layer = route.layer;
  return {
    request,
    data,
    protocol: init.protocol,
    channel,
    layer,
    groups,
    get readyState() {
      return init.readyState;
    },
    raw: init.raw,
    send: (payload) => trySend(payload, NOT_LAYER),
    sendJson: (value) => trySend(JSON.stringify(value), NOT_LAYER),
    close(code = 1000, reason = '') {
      init.close(code, reason);
    },
    async groupAdd(group) {
      if (state.closed) return;
      const isNew = !groups.has(group);
      if (isNew && groups.size >= route.maxGroupsPerConnection) {
        throw new AsyncError(
          'ERR_LIMIT',
          `groupAdd('${group}'): this connection is already in ${groups.size} groups (\`maxGroupsPerConnection\`); leave one with groupDiscard() or raise the limit`,
        );
      }
      groups.add(group);
      try {
        await layer.groupAdd(group, channel);
      } catch (error) {
        // Not a member after all (e.g. ERR_BACKEND while Redis is down): not renewed later either.
        if (isNew) groups.delete(group);
        throw error;
      }
    },
    async groupDiscard(group) {
      groups.delete(group);
      await layer.groupDiscard(group, channel);
    },
    groupSend: (group, message) => layer.groupSend(group, message),
  };
}

/**
 * Renews the connection's memberships (every third of the layer's `groupExpiry`): without it a
 * client connected longer than that (a day by default) would silently stop receiving its groups.
 * Returns the interval's timer, or `undefined` when the layer has no expiry.
 */
function startRenewal(
  layer: ChannelLayer,
  connection: { channel: string; groups: Set<string>; state: ConnectionState },
  logger: Logger,
): NodeJS.Timeout | undefined {
  const { channel, groups, state } = connection;
  const renewEvery = layer.groupExpiry === undefined ? 0 : Math.max(1, Math.floor((layer.groupExpiry * 1000) / 3));
  if (renewEvery <= 0 || renewEvery > 2_147_483_647) return undefined;
  const renew = () => {
    if (state.closed || groups.size === 0) return;
    // In the hook chain, so a renewal cannot race a groupDiscard made by a hook.
    state.chain = state.chain.then(async () => {
      if (state.closed) return;
      try {
        await Promise.all([...groups].map((group) => layer.groupAdd(group, channel)));
      } catch (error) {
        logger.warn({ err: error, channel }, 'renewing group memberships failed');
      }
    });
  };
  const renewal = setInterval(renew, renewEvery);
  renewal.unref();
  return renewal;
}

/**
 * The runtime-neutral life of one WebSocket connection: its context, its channel in the layer,
 * hooks run one at a time, the backpressure policy, and cleanup on close.
 */
export function openConnection<Data>(
  route: ResolvedRoute<Data>,
  init: WebSocketInit,
  request: Request,
  data: Data,
  logger: Logger,
): ConnectionHandle {
  const layer = route.layer;
  const channel = layer.newChannel('ws');
  const groups = new Set<string>();
  const state: ConnectionState = { chain: Promise.resolve(), closed: false };
  const fail = failHandler(init, logger, channel);
  const run = (hook: () => unknown): Promise<unknown> => {
    state.chain = state.chain.then(hook).catch(fail);
    return state.chain;
  };
  const trySend = createSender(route, init, channel);
  const ctx = createContext(route, init, { request, data, channel, groups, state }, trySend);

  /** Messages for this channel or its groups: sent at once by default, or through `groupMessage`. */
  const groupMessage = route.groupMessage;
  const onLayerMessage = groupMessage
    ? (message: unknown) => run(() => groupMessage(ctx, message))
    : (message: unknown) => {
        trySend(jsonBytes(message), message);
      };
  let unsubscribe: (() => void) | undefined;
  let renewal: NodeJS.Timeout | undefined;

  return {
    start() {
      unsubscribe = layer.subscribe(channel, onLayerMessage);
      renewal = startRenewal(layer, { channel, groups, state }, logger);
      if (route.connect) {
        const connect = route.connect;
        void run(() => connect(ctx));
      }
    },
    onMessage(payload) {
      if (!route.receive) return;
      const receive = route.receive;
      const message: WebSocketMessage =
        typeof payload === 'string' ? textMessage(payload) : { type: 'binary', data: payload };
      void run(() => receive(ctx, message));
    },
    onClose(code, reason) {
      state.closed = true;
      clearInterval(renewal);
      unsubscribe?.();
      const disconnect = route.disconnect;
      void run(() => disconnect?.(ctx, { code, reason })).finally(() => {
        groups.clear();
        layer.closeChannel(channel);
      });
    },
  };
}
