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
  /** Subscribes to an event; returns the unsubscribe function. */
  on<E extends keyof ChannelLayerEvents>(event: E, listener: ChannelLayerEvents[E]): () => void;
  /**
   * Releases connections and timers, so nothing keeps the process alive; calls still waiting for
   * the server reject with `ERR_CLOSED`. Settles within the layer's bound even while the server
   * is down. Further calls reject with `ERR_CLOSED`.
   */
  close(): Promise<void>;
}
