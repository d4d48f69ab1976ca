import type { OptionKeys } from '@adv/types';
import { AsyncError } from '../errors.js';
import { abortError, checkCount } from '../validate.js';
import { channelName, checkName } from './names.js';
import type {
  ChannelLayerEvents,
  ChannelLayerOptions,
  ChannelLayerStats,
  DroppedMessage,
  DropReason,
} from './types.js';

interface Buffered {
  message: unknown;
  expiresAt: number;
}

interface ChannelState {
  queue: Buffered[];
  waiter: ((message: unknown) => void) | undefined;
  /** Push-mode consumer (see `subscribe`); while its last call's promise is pending, messages buffer. */
  listener: ((message: unknown) => unknown) | undefined;
  busy: boolean;
}

/** The option names every layer shares (see {@link ChannelLayerOptions}). */
export const LAYER_KEYS: OptionKeys<ChannelLayerOptions> = { capacity: true, expiry: true, groupExpiry: true };

/** {@link ChannelLayerOptions} with their defaults applied. */
export interface LayerSettings {
  readonly capacity: number;
  readonly expiry: number;
  readonly groupExpiry: number;
}

/** Checks the values of the options every layer shares, once resolved (defaults from `LAYER_DEFAULTS`). */
export function checkLayerOptions(options: LayerSettings): LayerSettings {
  const { capacity, expiry, groupExpiry } = options;
  checkCount('capacity', capacity, { min: 1 });
  checkCount('expiry', expiry, { min: 1, unit: 'number of seconds' });
  checkCount('groupExpiry', groupExpiry, { min: 1, unit: 'number of seconds' });
  return { capacity, expiry, groupExpiry };
}

/**
 * The in-process half of every channel layer: one bounded, expiring buffer per open channel,
 * local group membership, the `dropped` event and counter. The Redis layer puts pub/sub in
 * front of it; the memory layer is little more than this.
 */
export class LocalChannels {
  readonly #channels = new Map<string, ChannelState>();
  /** group -> channel -> membership expiry (epoch ms). */
  readonly groups = new Map<string, Map<string, number>>();
  readonly #listeners: { [E in keyof ChannelLayerEvents]: Set<ChannelLayerEvents[E]> } = {
    dropped: new Set(),
    error: new Set(),
  };
  readonly options: LayerSettings;
  dropped = 0;
  /** Drops by reason (see `stats()`); `dropped` is their sum. */
  readonly #droppedBy: Record<DropReason, number> = { capacity: 0, expired: 0, backpressure: 0, closed: 0 };
  /** Messages sent by this process's `send`/`groupSend` (the layer counts them) and handed to its consumers. */
  sent = 0;
  received = 0;
  closed = false;

  constructor(options: LayerSettings) {
    this.options = options;
  }

  assertOpen(): void {
    if (this.closed) throw new AsyncError('ERR_CLOSED', 'The channel layer is closed');
  }

  /** A new channel name of process `processId` (Channels' `new_channel`), opened here. */
  newChannel(processId: string, prefix: string): string {
    this.assertOpen();
    const channel = channelName(processId, prefix);
    checkName('channel', channel);
    this.open(channel);
    return channel;
  }

  open(channel: string): void {
    if (!this.#channels.has(channel))
      this.#channels.set(channel, { queue: [], waiter: undefined, listener: undefined, busy: false });
  }

  has(channel: string): boolean {
    return this.#channels.has(channel);
  }

  /** Delivers to a local channel's waiting receiver, or buffers (bounded). Unknown channels: dropped (`closed`). */
  deliver(channel: string, message: unknown): void {
    const state = this.#channels.get(channel);
    if (state === undefined) {
      this.reportDropped({ channel, reason: 'closed', message });
      return;
    }
    if (state.listener !== undefined && !state.busy && state.queue.length === 0) {
      this.#dispatch(state, channel, message);
      return;
    }
    if (state.waiter !== undefined) {
      const waiter = state.waiter;
      state.waiter = undefined;
      this.received += 1;
      waiter(message);
      return;
    }
    if (state.queue.length >= this.options.capacity) {
      this.reportDropped({ channel, reason: 'capacity', message });
      return;
    }
    state.queue.push({ message, expiresAt: Date.now() + this.options.expiry * 1000 });
  }

  /** Delivers to every local member of `group`. */
  deliverToGroup(group: string, message: unknown): void {
    const members = this.groups.get(group);
    if (members === undefined) return;
    const now = Date.now();
    for (const [channel, expiresAt] of members) {
      if (expiresAt <= now) members.delete(channel);
      else this.deliver(channel, message);
    }
  }

  /** Calls the push listener; a returned promise marks the channel busy until it settles. */
  #dispatch(state: ChannelState, channel: string, message: unknown): void {
    let result: unknown;
    this.received += 1;
    try {
      result = state.listener!(message);
    } catch (error) {
      this.reportError(error instanceof Error ? error : new Error(String(error)));
      return;
    }
    if (result !== null && typeof result === 'object' && typeof (result as PromiseLike<unknown>).then === 'function') {
      state.busy = true;
      const done = () => {
        state.busy = false;
        this.#drain(state, channel);
      };
      (result as PromiseLike<unknown>).then(done, (error: unknown) => {
        this.reportError(error instanceof Error ? error : new Error(String(error)));
        done();
      });
    }
  }

  /** Feeds buffered messages to the push listener while it is idle, dropping expired ones. */
  #drain(state: ChannelState, channel: string): void {
    while (state.listener !== undefined && !state.busy && state.queue.length > 0) {
      const next = state.queue.shift()!;
      if (next.expiresAt > Date.now()) this.#dispatch(state, channel, next.message);
      else this.reportDropped({ channel, reason: 'expired', message: next.message });
    }
  }

  /**
   * Push mode: hands each message to `listener` as it arrives. If the listener returns a
   * promise, later messages wait in the bounded, expiring buffer until it settles.
   */
  subscribe(channel: string, listener: (message: unknown) => unknown): () => void {
    checkName('channel', channel);
    this.assertOpen();
    this.open(channel);
    const state = this.#channels.get(channel)!;
    if (state.listener !== undefined || state.waiter !== undefined) {
      throw new AsyncError('ERR_INVALID_OPTION', `Channel \`${channel}\` already has a consumer`);
    }
    state.listener = listener;
    this.#drain(state, channel);
    return () => {
      if (state.listener === listener) state.listener = undefined;
    };
  }

  receive(channel: string, signal?: AbortSignal): Promise<unknown> {
    checkName('channel', channel);
    this.assertOpen();
    if (signal?.aborted) return Promise.reject(abortError(signal, 'receive()'));
    this.open(channel);
    const state = this.#channels.get(channel)!;
    const now = Date.now();
    while (state.queue.length > 0) {
      const next = state.queue.shift()!;
      if (next.expiresAt > now) {
        this.received += 1;
        return Promise.resolve(next.message);
      }
      this.reportDropped({ channel, reason: 'expired', message: next.message });
    }
    if (state.waiter !== undefined || state.listener !== undefined) {
      return Promise.reject(new AsyncError('ERR_INVALID_OPTION', `Channel \`${channel}\` already has a consumer`));
    }
    return new Promise((resolve, reject) => {
      const onAbort = () => {
        if (state.waiter === settle) state.waiter = undefined;
        reject(abortError(signal!, 'receive()'));
      };
      const settle = (message: unknown) => {
        signal?.removeEventListener('abort', onAbort);
        if (message === CLOSED) reject(new AsyncError('ERR_CLOSED', `Channel \`${channel}\` was closed`));
        else resolve(message);
      };
      state.waiter = settle;
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  addMember(group: string, channel: string): boolean {
    let members = this.groups.get(group);
    if (members === undefined) {
      members = new Map();
      this.groups.set(group, members);
    }
    const isNew = !members.has(channel);
    members.set(channel, Date.now() + this.options.groupExpiry * 1000);
    return isNew;
  }

  /** Removes a member; returns whether the group has no local member left. */
  removeMember(group: string, channel: string): boolean {
    const members = this.groups.get(group);
    if (members === undefined) return true;
    members.delete(channel);
    if (members.size > 0) return false;
    this.groups.delete(group);
    return true;
  }

  /** Closes a channel: rejects its pending receive; returns the groups it was a local member of. */
  closeChannel(channel: string): string[] {
    const state = this.#channels.get(channel);
    this.#channels.delete(channel);
    state?.waiter?.(CLOSED);
    // Buffered messages nobody will read are dropped, not lost silently.
    for (const buffered of state?.queue.splice(0) ?? []) {
      this.reportDropped({ channel, reason: 'closed', message: buffered.message });
    }
    const left: string[] = [];
    for (const [group, members] of this.groups) {
      if (members.has(channel)) left.push(group);
    }
    return left;
  }

  closeAll(): void {
    this.closed = true;
    for (const channel of [...this.#channels.keys()]) this.closeChannel(channel);
    this.groups.clear();
  }

  reportDropped(event: DroppedMessage): void {
    this.dropped += 1;
    // A reason from outside the union (an untyped caller) still counts in the total.
    if (Object.hasOwn(this.#droppedBy, event.reason)) this.#droppedBy[event.reason] += 1;
    for (const listener of this.#listeners.dropped) listener(event);
  }

  /** The local part of `stats()`: walks channels and memberships (O(channels + members)), reads the counters. */
  stats(): Omit<ChannelLayerStats, 'backend'> {
    let consumers = 0;
    let buffered = 0;
    for (const state of this.#channels.values()) {
      if (state.listener !== undefined || state.waiter !== undefined) consumers += 1;
      buffered += state.queue.length;
    }
    let groups = 0;
    let members = 0;
    const now = Date.now();
    for (const channels of this.groups.values()) {
      let live = 0;
      for (const expiresAt of channels.values()) if (expiresAt > now) live += 1;
      if (live > 0) groups += 1;
      members += live;
    }
    return {
      channels: this.#channels.size,
      consumers,
      groups,
      members,
      buffered,
      sent: this.sent,
      received: this.received,
      dropped: { total: this.dropped, ...this.#droppedBy },
    };
  }

  reportError(error: Error): void {
    for (const listener of this.#listeners.error) listener(error);
  }

  on<E extends keyof ChannelLayerEvents>(event: E, listener: ChannelLayerEvents[E]): () => void {
    const set = this.#listeners[event] as Set<ChannelLayerEvents[E]> | undefined;
    if (set === undefined)
      throw new AsyncError(
        'ERR_INVALID_OPTION',
        `Expected \`event\` to be \`dropped\` or \`error\`, got \`${String(event)}\` (${typeof event})`,
      );
    if (typeof listener !== 'function') {
      throw new AsyncError(
        'ERR_INVALID_OPTION',
        `Expected \`listener\` to be a function, got \`${String(listener)}\` (${typeof listener})`,
      );
    }
    set.add(listener);
    return () => set.delete(listener);
  }
}

const CLOSED = Symbol('closed');
