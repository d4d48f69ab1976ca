/**
 * A Map-like keyv store with a maximum number of entries, LRU eviction and per-entry TTL:
 * Django's LocMemCache. Hand-written (about 90 lines) because keyv's default `Map` never
 * evicts, and the keyv-compatible LRU packages either ignore keyv's `ttl` argument or bring a
 * dependency larger than this file. A JS `Map` keeps insertion order, so moving a key to the
 * end on read and evicting the first key is an O(1) LRU.
 */
export class LruStore {
  /** keyv reads this; the cache builds full keys itself. */
  namespace: string | undefined;
  readonly opts: { maxEntries: number; dialect: 'memory' };
  readonly #map = new Map<string, { value: string; expires: number }>();

  /** @param maxEntries - the most entries kept; the least recently used goes first. */
  constructor(maxEntries: number) {
    this.opts = { maxEntries, dialect: 'memory' };
  }

  /** Number of live and not yet collected entries. */
  get size(): number {
    return this.#map.size;
  }

  /** Returns the stored string, refreshing its LRU position, or undefined. */
  get(key: string): string | undefined {
    const item = this.#map.get(key);
    if (item === undefined) return undefined;
    if (item.expires !== 0 && item.expires <= Date.now()) {
      this.#map.delete(key);
      return undefined;
    }
    this.#map.delete(key);
    this.#map.set(key, item);
    return item.value;
  }

  /** Returns the stored string and its expiry (0 = never) without touching the LRU order. */
  peek(key: string): { value: string; expires: number } | undefined {
    const item = this.#map.get(key);
    if (item === undefined) return undefined;
    if (item.expires !== 0 && item.expires <= Date.now()) {
      this.#map.delete(key);
      return undefined;
    }
    return item;
  }

  /** Stores a string for `ttl` ms (absent or 0: until evicted). */
  set(key: string, value: string, ttl?: number): boolean {
    this.setUntil(key, value, ttl ? Date.now() + ttl : 0);
    return true;
  }

  /** Stores a string until `expires` (ms since the epoch; 0: never). */
  setUntil(key: string, value: string, expires: number): void {
    this.#map.delete(key);
    this.#map.set(key, { value, expires });
    if (this.#map.size > this.opts.maxEntries) this.#evict();
  }

  /** Removes a key; true when it was there. */
  delete(key: string): boolean {
    return this.#map.delete(key);
  }

  /** Removes every key. */
  clear(): void {
    this.#map.clear();
  }

  /**
   * Drops every entry whose ttl has run out and returns how many. Reads already skip expired
   * entries; this frees their memory without waiting for a read or an eviction.
   */
  pruneExpired(now = Date.now()): number {
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
    for (const key of this.#map.keys()) if (key.startsWith(prefix)) this.#map.delete(key);
  }

  #evict(): void {
    for (const key of this.#map.keys()) {
      if (this.#map.size <= this.opts.maxEntries) return;
      this.#map.delete(key);
    }
  }
}
