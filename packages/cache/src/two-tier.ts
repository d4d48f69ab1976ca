import type { Logger } from '@adv/types';
import type { MessageBus } from './drivers/types.js';
import { CacheError } from './errors.js';
import { LruStore } from './lru-store.js';

interface Message {
  /** Sender's id: a process ignores its own messages. */
  i: string;
  /** Keys to drop; absent: drop everything. */
  k?: string[];
}

/**
 * The memory L1 of the two-tier mode: stored strings (decoded on every hit, so callers never
 * share a mutable object) for at most `ttl` seconds, dropped in every process when any process
 * writes or invalidates, through a Redis pub/sub channel.
 */
export class L1 {
  readonly #store: LruStore;
  readonly #ttlMs: number;
  readonly #bus: MessageBus;
  readonly #channel: string;
  readonly #id = `${process.pid}-${Math.random().toString(36).slice(2)}`;
  readonly #logger: Logger;
  #subscribed: Promise<void> | undefined;
  #epoch = 0;
  #guard: <R>(run: () => Promise<R>) => Promise<R> = (run) => run();

  constructor(options: { maxEntries: number; ttl: number; bus: MessageBus; channel: string; logger: Logger }) {
    this.#store = new LruStore(options.maxEntries);
    this.#ttlMs = options.ttl * 1000;
    this.#bus = options.bus;
    this.#channel = options.channel;
    this.#logger = options.logger;
  }

  /** Subscribes to other processes' invalidations (once); every copy is dropped after a reconnect. */
  subscribe(): Promise<void> {
    this.#subscribed ??= this.#bus
      .subscribe(
        this.#channel,
        (raw) => this.#receive(raw),
        () => this.#resync(),
      )
      .catch((error: unknown) => {
        this.#subscribed = undefined; // the next connect() tries again
        throw error;
      });
    return this.#subscribed;
  }

  /**
   * Moves on at every invalidation, local or received. A read or write takes it before going to
   * Redis and keeps its result only if it has not moved: an invalidation that lands meanwhile
   * (in this process or another) is never undone by a late copy.
   */
  get epoch(): number {
    return this.#epoch;
  }

  /** Drops copies whose L1 ttl has run out; returns how many. */
  pruneExpired(): number {
    return this.#store.pruneExpired();
  }

  /** The stored string, if this process holds a copy. */
  get(key: string): string | undefined {
    return this.#store.get(key);
  }

  /**
   * Keeps a copy for at most the L1 ttl (or the entry's own, if shorter), unless an invalidation
   * happened after `since` (an {@link epoch}). Bare integers are counters that INCRBY changes
   * behind L1's back (and expire in Redis alone): never kept.
   */
  keep(key: string, payload: string, ttlMs: number | undefined, since: number): void {
    if (payload[0] !== '{' || since !== this.#epoch) return;
    this.#store.set(key, payload, ttlMs ? Math.min(ttlMs, this.#ttlMs) : this.#ttlMs);
  }

  /**
   * Runs publishes through the cache's bound and "known down" state (set by the cache's engine):
   * during an outage an invalidation fails at once instead of waiting for a connect.
   */
  guardWith(guard: <R>(run: () => Promise<R>) => Promise<R>): void {
    this.#guard = guard;
  }

  /** Drops local copies of `keys` (all when absent) and tells the other processes to. */
  invalidate(keys?: readonly string[]): void {
    this.#epoch++;
    if (keys === undefined) this.#store.clear();
    else for (const key of keys) this.#store.delete(key);
    const message: Message = keys === undefined ? { i: this.#id } : { i: this.#id, k: [...keys] };
    this.#guard(() => this.#bus.publish(this.#channel, JSON.stringify(message))).catch((error: unknown) => {
      // Refused because the backend is known down: that was logged once, when it went down.
      if (error instanceof CacheError && error.code === 'ERR_BACKEND') return;
      this.#logger.warn({ err: error }, '@adv/cache: could not publish an L1 invalidation');
    });
  }

  /** The subscription came back after a disconnect: invalidations may have been missed. */
  #resync(): void {
    this.#epoch++;
    this.#store.clear();
  }

  #receive(raw: string): void {
    let message: Message;
    try {
      message = JSON.parse(raw) as Message;
    } catch {
      return;
    }
    if (message.i === this.#id) return;
    this.#epoch++;
    if (message.k === undefined) this.#store.clear();
    else for (const key of message.k) this.#store.delete(key);
  }
}
