/**
 * The string store a driver hands the cache: what it needs of keyv's `get`/`set`/… (a
 * `Keyv<string>` fits). Defined here so no keyv type reaches the public declarations.
 */
export interface StringStore {
  /** The stored string, or `undefined` (keyv) or `null` (Redis) when absent. */
  get(key: string): Promise<string | null | undefined>;
  getMany(keys: string[]): Promise<Array<string | undefined>>;
  set(key: string, value: string, ttl?: number): Promise<boolean>;
  setMany(entries: Array<{ key: string; value: string; ttl?: number | undefined }>): Promise<unknown>;
  delete(key: string): Promise<boolean>;
  deleteMany(keys: string[]): Promise<boolean>;
}

/** Backend-specific operations the cache needs beyond keyv's get/set/delete. */
export interface Driver {
  /** `memory`, `redis`, `memcached` or `keyv` (any other keyv store). */
  readonly kind: 'memory' | 'redis' | 'memcached' | 'keyv';
  /** Whether other processes see the same data. */
  readonly shared: boolean;
  /** The keyv instance carrying the cache's stored strings. */
  readonly keyv: StringStore;
  /**
   * The string at `key` read synchronously, as `keyv.get` would resolve it (memory): a hit of
   * an in-process store then costs no promise of keyv's. Absent where reads need the network.
   */
  readSync?(key: string): string | undefined;
  /**
   * With `readSync`: a number that moves whenever anything in the store changes (a write, a
   * removal, an eviction, an expiry, a read that reorders keys). While it stands, strings read
   * before are still there as they were (see `LruStore.stamp`).
   */
  stamp?(): number;
  /** Whether the store itself expires keys after the ttl it is given. */
  readonly nativeTtl: boolean;
  /** Largest stored string the backend accepts, in bytes. */
  readonly maxValueBytes: number;
  /** Turns a ttl in ms into what the store's `set` expects (memcached: whole seconds). */
  toStoreTtl?(ttlMs: number | undefined): number | undefined;
  /** Stores `payload` only if `key` is absent; true when stored. Atomic where the backend allows. */
  add(key: string, payload: string, ttlMs: number | undefined): Promise<boolean>;
  /** Adds `delta` to the integer at `key` (missing: 0) and returns the result. Atomic where the backend allows. */
  incr(key: string, delta: number, ttlMs: number | undefined): Promise<number>;
  /**
   * Milliseconds `key` has left, or undefined when it never expires (or the store cannot tell).
   * Only stores whose entries do not carry their own expiry need it (memory, Redis).
   */
  remainingTtl?(key: string): Promise<number | undefined>;
  /** Deletes every key starting with `prefix` (memcached: starts a new namespace generation of the prefix). */
  clear(prefix: string): Promise<void>;
  /**
   * Drops entries whose ttl has run out and returns how many, for stores that keep them until
   * read (memory). Absent where the backend expires keys itself (Redis, memcached).
   */
  pruneExpired?(): number;
  /** Undefined when connected; otherwise a promise that resolves once connected. */
  ready?(): Promise<void> | undefined;
  /**
   * Undefined once the driver's code is loaded; otherwise a promise that settles when it is
   * (drivers on optional peers are imported on first use). Not counted in an operation's timeout.
   */
  loading?(): Promise<void> | undefined;
  /**
   * Whether a failure means the server cannot be reached (connection refused or lost, no
   * answer) rather than an error reply; such a failure marks the backend down. Absent: every
   * failure that is not a `CacheError` does.
   */
  isOutage?(error: unknown): boolean;
  /** Resolves when the backend answers. */
  ping(): Promise<void>;
  /** Cross-process messages, when the backend has them (Redis pub/sub). */
  readonly bus?: MessageBus;
  /** Releases connections and timers; settles within `timeoutMs` even when the server is gone. */
  close(timeoutMs: number): Promise<void>;
}

/** Publish/subscribe on a channel shared by processes. */
export interface MessageBus {
  publish(channel: string, message: string): Promise<void>;
  /**
   * Subscribes `listener` to `channel`. `onResync` runs whenever the subscription comes back
   * after a disconnect: messages sent meanwhile were lost.
   */
  subscribe(channel: string, listener: (message: string) => void, onResync?: () => void): Promise<void>;
}

/** keyv options shared by every driver: the cache builds keys and strings itself. */
export const keyvOptions = {
  namespace: '',
  useKeyPrefix: false,
  throwOnErrors: true,
  emitErrors: true,
  serialize: (data: { value: unknown }) => data.value as string,
  deserialize: (raw: string) => ({ value: raw }),
} as const;
