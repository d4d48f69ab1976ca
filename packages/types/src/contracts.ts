/**
 * Structural interfaces the adv packages meet through. No package imports another: the demo
 * (or your app) passes, say, a `@adv/cache` cache where `@adv/signals` glue expects a
 * `CacheLike`, and TypeScript checks the fit structurally.
 */

/** Options every cache write understands. */
export interface CacheWriteOptions {
  /** Time to live in seconds; `0` or absent keeps the value until evicted. */
  ttl?: number;
  /** Tags to invalidate this entry by as a group. */
  tags?: readonly string[];
}

/** The least a cache offers: what glue code needs to read, write and invalidate. */
export interface CacheLike {
  /** Returns the cached value, or `undefined` on a miss. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Stores a value. */
  set(key: string, value: unknown, options?: CacheWriteOptions): Promise<unknown>;
  /** Removes a key. */
  delete(key: string): Promise<unknown>;
}

/** A cache that can drop every entry carrying any of the given tags. */
export interface TagInvalidator {
  /** Invalidates all entries tagged with any of `tags`, in every process sharing the backend. */
  invalidateTags(tags: readonly string[]): Promise<unknown>;
}

/** A source of typed events to which glue code connects a receiver. */
export interface SignalLike<Args> {
  /** Connects `receiver`; with the same `dispatchUid`, a second connect is a no-op. */
  connect(receiver: (args: Args) => unknown, options?: { dispatchUid?: string }): unknown;
}

/** Something that queues work for later, such as a `@adv/tasks` task. */
export interface EnqueueLike<Payload> {
  /**
   * Queues `payload`; resolves once the work is durably queued. `delay` is in milliseconds
   * (as `setTimeout` and BullMQ); `jobId` deduplicates.
   */
  enqueue(payload: Payload, options?: { delay?: number; jobId?: string }): Promise<{ id: string }>;
}

/** Something that delivers a message to every member of a named group (a Channels group). */
export interface GroupSender {
  /** Sends `message` to every channel in `group`, in every process sharing the layer. */
  groupSend(group: string, message: unknown): Promise<unknown>;
}

/** What a backend says about itself, for deploy checks such as "in-memory cache with several processes". */
export interface BackendInfo {
  /** Package and backend, e.g. `@adv/cache:memory`, `@adv/tasks:bullmq`. */
  name: string;
  /** Whether several processes share this backend's state (Redis: yes; memory: no). */
  sharedAcrossProcesses: boolean;
}

/** Implemented by caches, task backends and channel layers so deploy checks can inspect them. */
export interface DescribesBackend {
  /** Describes the backend in use. */
  readonly backendInfo: BackendInfo;
}

/** A readiness probe, e.g. a cache or queue ping, run by `/readyz`. */
export interface ReadinessCheck {
  /** Short name shown in the readiness report. */
  name: string;
  /** Resolves when healthy; rejects (or honours `signal` and rejects) when not. */
  check(signal: AbortSignal): Promise<unknown>;
}

/** Something that reports counters for an operations page: a cache, a channel layer. */
export interface HasStats<Stats> {
  /** A snapshot of the counters of this process; reading it never calls a server. */
  stats(): Stats;
}

/** What every cache's `stats()` carries (`@adv/cache`'s `CacheStats` has more: per operation and tier). */
export interface CacheStatsLike {
  /** The backend and whether it is known to be down right now. */
  backend: { name: string; down: boolean };
  /** Sums over every operation since `since` (ms since the epoch). */
  totals: { calls: number; hits: number; misses: number; errors: number };
  since: number;
}

/** What every channel layer's `stats()` carries (`@adv/async`'s `ChannelLayerStats` has more). */
export interface ChannelLayerStatsLike {
  /** Groups with a member in this process, and those memberships. */
  groups: number;
  members: number;
  /** Messages this process sent and delivered to its consumers. */
  sent: number;
  received: number;
  /** Messages dropped (over capacity, expired, closed), all reasons together. */
  dropped: { total: number };
  /** The backend and whether it answers right now. */
  backend: { name: string; up: boolean };
}
