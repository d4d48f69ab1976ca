import type { DescribesBackend, GroupSender } from '@adv/types';

/** Why a message was dropped instead of delivered. */
export type DropReason =
  /** The channel's buffer already held `capacity` messages (the consumer is too slow). */
  | 'capacity'
  /** The message waited longer than `expiry` before the consumer took it. */
  | 'expired'
  /** The WebSocket's send buffer was over its backpressure limit (`policy: 'drop'`). */
  | 'backpressure'
  /**
   * No open channel of that name: its consumer left (or never opened it), or the channel was
   * closed with the message still buffered. For Redis, also: no process owns the channel.
   */
  | 'closed';

/** Payload of the `dropped` event. */
export interface DroppedMessage {
  /** Channel the message was meant for. */
  channel: string;
  /** Why it was dropped. */
  reason: DropReason;
  /** The message itself. */
  message: unknown;
}

/**
 * What {@link ChannelLayer.stats} returns: a snapshot of this process's side of the layer, read
 * from counters the layer keeps anyway (no backend round trip, nothing added per message beyond
 * an increment). Counters (`sent`, `received`, `dropped`) count from the layer's creation.
 */
export interface ChannelLayerStats {
  /** Open channels of this process (one per WebSocket connection, plus any from `newChannel`). */
  channels: number;
  /** Open channels with a consumer attached now: a `subscribe` listener or a pending `receive`. */
  consumers: number;
  /** Groups with at least one unexpired member in this process. */
  groups: number;
  /** Unexpired group memberships of this process's channels (a channel in two groups counts twice). */
  members: number;
  /** Messages waiting in channel buffers for a busy consumer. */
  buffered: number;
  /** Messages this process sent: each successful `send` and `groupSend` call counts once. */
  sent: number;
  /** Messages handed to a consumer of this process (a `receive` resolved or a listener called). */
  received: number;
  /** Messages dropped, in total and by reason (`total` equals `layer.dropped`). */
  dropped: { total: number } & Record<DropReason, number>;
  /** The backend as this process last saw it. */
  backend: {
    /** `backendInfo.name`. */
    name: string;
    /**
     * `false` while the layer knows its server is unreachable (Redis: a connection is not ready,
     * so calls that need Redis would fail with `ERR_BACKEND`); always `true` for memory.
     */
    up: boolean;
    /** Epoch ms since which the server has been unreachable; `null` while `up`. */
    downSince: number | null;
  };
}

/** Events of a {@link ChannelLayer}, by name. */
export interface ChannelLayerEvents {
  /** A message was dropped (never silently): also counted in `layer.dropped`. */
  dropped: (event: DroppedMessage) => void;
  /**
   * A backend error that no caller could receive: a Redis connection failing or reconnecting
   * (once per attempt while Redis is down), or memberships that could not be restored.
   */
  error: (error: Error) => void;
}

/** Per-channel buffer limits shared by every layer (Channels' `capacity` and `expiry`). */
export interface ChannelLayerOptions {
  /**
   * Most messages a channel buffers while its consumer is busy; more are dropped (`dropped` event).
   * @defaultValue `100`
   */
  capacity?: number | undefined;
  /**
   * Seconds a buffered message stays deliverable; older ones are dropped on receive.
   * @defaultValue `60`
   */
  expiry?: number | undefined;
  /**
   * Seconds a group membership lives without being renewed by another `groupAdd`
   * (Channels' `group_expiry`): a crashed process cannot leave members behind forever.
   * @defaultValue `86_400`
   */
  groupExpiry?: number | undefined;
}

/** Defaults of {@link ChannelLayerOptions}. */
export const LAYER_DEFAULTS = { capacity: 100, expiry: 60, groupExpiry: 86_400 } as const;

/**
 * A channel layer (Django Channels): named channels, one per consumer, and groups of channels
 * that receive a message sent to the group. `memoryLayer()` serves one process;
 * `redisLayer()` lets every process sharing a Redis deliver group messages to its own clients.
 *
 * Outage contract: a call that needs a server settles within the layer's bound (Redis:
 * `unavailableTimeout`) with `AsyncError` `ERR_BACKEND` when the server is unreachable or does
 * not answer; nothing is queued to be sent later. `close()` settles within that bound too.
 */
export interface ChannelLayer extends GroupSender, DescribesBackend {
  /**
   * Seconds a group membership lives unless renewed (see `ChannelLayerOptions.groupExpiry`).
   * WebSocket consumers renew their memberships every third of it, so a connection open longer
   * keeps receiving its groups while a crashed process's members still expire. Optional for
   * layers written elsewhere: without it, nothing is renewed.
   */
  readonly groupExpiry?: number;
  /** Creates a new channel name, unique across processes, and opens its buffer. */
  newChannel(prefix?: string): string;
  /** Sends `message` (JSON-serialisable) to one channel, in whichever process owns it. */
  send(channel: string, message: unknown): Promise<void>;
  /** Resolves with the channel's next unexpired message; rejects with `ERR_ABORTED` on `signal`. */
  receive(channel: string, signal?: AbortSignal): Promise<unknown>;
  /**
   * Push mode, used by WebSocket consumers: calls `listener` with each message for a channel of
   * this process as it arrives. While a promise the listener returned is pending, messages wait
   * in the channel's bounded, expiring buffer. Returns the unsubscribe function.
   */
  subscribe(channel: string, listener: (message: unknown) => unknown): () => void;
  /** Adds `channel` to `group` (renewing its membership expiry). */
  groupAdd(group: string, channel: string): Promise<void>;
  /** Removes `channel` from `group`. */
  groupDiscard(group: string, channel: string): Promise<void>;
  /** Sends `message` to every channel of `group`, in every process sharing the layer. */
  groupSend(group: string, message: unknown): Promise<void>;
  /** Channels currently in `group` (across processes for Redis): presence. */
  groupMembers(group: string): Promise<string[]>;
  /**
   * Closes a channel: rejects its pending receive and drops its buffer (each buffered message
   * raises `dropped` with reason `closed`). Call when its consumer leaves.
   */
  closeChannel(channel: string): void;
  /** Reports a message dropped outside the layer (WebSocket backpressure) through the same event and counter. */
  reportDropped(event: DroppedMessage): void;
  /** Messages dropped so far (all reasons). */
  readonly dropped: number;
  /**
   * A snapshot of counts for dashboards and metrics (see {@link ChannelLayerStats}); synchronous
   * and cheap, it never waits for the backend. Optional for layers written elsewhere; the
   * memory and Redis layers have it (their return type, {@link ChannelLayerWithStats}, says so).
   */
  stats?(): ChannelLayerStats;
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof ChannelLayerEvents>(event: E, listener: ChannelLayerEvents[E]): () => void;
  /**
   * Releases connections and timers, so nothing keeps the process alive; calls still waiting for
   * the server reject with `ERR_CLOSED`. Settles within the layer's bound even while the server
   * is down. Further calls reject with `ERR_CLOSED`.
   */
  close(): Promise<void>;
}

/** A {@link ChannelLayer} whose `stats()` is present: what `memoryLayer()` and `redisLayer()` return. */
export interface ChannelLayerWithStats extends ChannelLayer {
  stats(): ChannelLayerStats;
}
