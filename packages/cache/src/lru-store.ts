interface Item {
  value: string;
  /** ms since the epoch; 0: never. */
  expires: number;
}

/**
 * A `Map` of strings with a maximum number of entries, LRU eviction and per-entry TTL:
 * Django's LocMemCache, and a keyv store. Hand-written (about 150 lines) because keyv's default
 * `Map` never evicts, and the keyv-compatible LRU packages either ignore keyv's `ttl` argument
 * or bring a dependency larger than this file. A JS `Map` keeps insertion order, so moving a
 * key to the end on read and evicting the first key is an O(1) LRU.
 *
 * It extends `Map` because keyv 5 gives `keyv.iterator()` to `Map` instances only (and to
 * adapters of a fixed list of SQL and Redis dialects). Every `Map` method is overridden: the
 * entries live in a private map of value and expiry, and reads, `has` and iteration never
 * see an expired entry.
 */
export class LruStore extends Map<string, string> {
  /** keyv reads this; the cache builds full keys itself. */
  namespace: string | undefined;
  readonly opts: { maxEntries: number; dialect: 'memory' };
  readonly #map = new Map<string, Item>();
  /**
   * The key moved to the end last (by `setUntil` or a read), or a key no longer held: a read of
   * it skips the move, which is a `Map` delete and insert (a hot page read over and over, #18).
   * Nothing else appends, so when this key is held it is the most recently used one.
   */
  #newest: string | undefined;
  /** See {@link stamp}. */
  #stamp = 0;

  /** @param maxEntries - the most entries kept; the least recently used goes first. */
  constructor(maxEntries: number) {
    super();
    this.opts = { maxEntries, dialect: 'memory' };
  }

  /** Number of entries held: expired ones count until a read, an iteration, a prune or an eviction drops them. */
  override get size(): number {
    return this.#map.size;
  }

  /**
   * A number that moves whenever anything in the store changes: a write, a removal, an
   * eviction, an expired entry dropped, or a read that moves a key to the newest end. While it
   * stands, every string read before is still there, under the same key, in the same order: the
   * cache uses that to skip reading an entry's tag versions again on the next hit (#18).
   */
  get stamp(): number {
    return this.#stamp;
  }

  /** Returns the stored string, refreshing its LRU position, or undefined. */
  override get(key: string): string | undefined {
    const item = this.#live(key);
    if (item === undefined) return undefined;
    if (key !== this.#newest) {
      this.#map.delete(key);
      this.#map.set(key, item);
      this.#newest = key;
      this.#stamp++;
    }
    return item.value;
  }

  /** Whether `key` holds a live entry (without touching the LRU order). */
  override has(key: string): boolean {
    return this.#live(key) !== undefined;
  }

  /** Returns the stored string and its expiry (0 = never) without touching the LRU order. */
  peek(key: string): { value: string; expires: number } | undefined {
    return this.#live(key);
  }

  /** Stores a string for `ttl` ms (absent or 0: until evicted). Returns the store, as `Map#set` does. */
  override set(key: string, value: string, ttl?: number): this {
    this.setUntil(key, value, ttl ? Date.now() + ttl : 0);
    return this;
  }

  /** Stores a string until `expires` (ms since the epoch; 0: never). */
  setUntil(key: string, value: string, expires: number): void {
    this.#map.delete(key);
    this.#map.set(key, { value, expires });
    this.#newest = key;
    this.#stamp++;
    if (this.#map.size > this.opts.maxEntries) this.#evict();
  }

  /** Removes a key; true when it was there. */
  override delete(key: string): boolean {
    this.#stamp++;
    return this.#map.delete(key);
  }

  /** Removes every key. */
  override clear(): void {
    this.#stamp++;
    this.#map.clear();
  }

  /**
   * Drops every entry whose ttl has run out and returns how many. Reads already skip expired
   * entries; this frees their memory without waiting for a read or an eviction.
   */
  pruneExpired(now = Date.now()): number {
    this.#stamp++;
    let pruned = 0;
    for (const [key, item] of this.#map) {
      if (item.expires !== 0 && item.expires <= now) {
        this.#map.delete(key);
        pruned++;
      }
    }
    return pruned;
  }

  /** Removes every key that starts with `prefix`. */
  clearPrefix(prefix: string): void {
    this.#stamp++;
    for (const key of this.#map.keys()) if (key.startsWith(prefix)) this.#map.delete(key);
  }

  /**
   * The live entries, least recently used first, without touching the LRU order; expired
   * entries met on the way are dropped. What keyv's `iterator()` walks.
   */
  override *entries(): MapIterator<[string, string]> {
    const now = Date.now();
    for (const [key, item] of this.#map) {
      if (item.expires !== 0 && item.expires <= now) {
        this.#map.delete(key);
        this.#stamp++;
      } else yield [key, item.value];
    }
  }

  /** The live keys, least recently used first. */
  override *keys(): MapIterator<string> {
    for (const [key] of this.entries()) yield key;
  }

  /** The live values, least recently used first. */
  override *values(): MapIterator<string> {
    for (const [, value] of this.entries()) yield value;
  }

  /** Same as {@link entries}. */
  override [Symbol.iterator](): MapIterator<[string, string]> {
    return this.entries();
  }

  /** Calls `callback` for each live entry, least recently used first. */
  override forEach(callback: (value: string, key: string, map: Map<string, string>) => void, thisArg?: unknown): void {
    for (const [key, value] of this.entries()) callback.call(thisArg, value, key, this);
  }

  /** The entry of `key` unless absent or expired (an expired one is dropped). */
  #live(key: string): Item | undefined {
    const item = this.#map.get(key);
    if (item === undefined) return undefined;
    if (item.expires !== 0 && item.expires <= Date.now()) {
      this.#map.delete(key);
      this.#stamp++;
      return undefined;
    }
    return item;
  }

  #evict(): void {
    this.#stamp++;
    for (const key of this.#map.keys()) {
      if (this.#map.size <= this.opts.maxEntries) return;
      this.#map.delete(key);
    }
  }
}
