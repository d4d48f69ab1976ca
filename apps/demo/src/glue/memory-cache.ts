/**
 * PHASE-1 GLUE until `@adv/cache` lands: a minimal in-process cache with TTLs and tags, shaped
 * as the `CacheLike` + `TagInvalidator` contracts so the real cache drops in without other edits.
 */
import type { CacheLike, CacheWriteOptions, TagInvalidator } from '@adv/types';

interface Entry {
  value: unknown;
  expires: number;
  tags: readonly string[];
}

/** A Map-backed cache with TTL (seconds) and tag invalidation. */
export class GlueMemoryCache implements CacheLike, TagInvalidator {
  readonly backendInfo = { name: 'demo-glue:memory', sharedAcrossProcesses: false };
  readonly #entries = new Map<string, Entry>();

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (entry.expires !== 0 && entry.expires <= Date.now()) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value as T;
  }

  async set(key: string, value: unknown, options: CacheWriteOptions = {}): Promise<boolean> {
    const ttl = options.ttl ?? 0;
    this.#entries.set(key, { value, expires: ttl > 0 ? Date.now() + ttl * 1000 : 0, tags: options.tags ?? [] });
    return true;
  }

  async delete(key: string): Promise<boolean> {
    return this.#entries.delete(key);
  }

  async invalidateTags(tags: readonly string[]): Promise<number> {
    let removed = 0;
    for (const [key, entry] of this.#entries) {
      if (entry.tags.some((tag) => tags.includes(tag))) {
        this.#entries.delete(key);
        removed++;
      }
    }
    return removed;
  }

  async incr(key: string, by = 1): Promise<number> {
    const value = ((await this.get<number>(key)) ?? 0) + by;
    await this.set(key, value);
    return value;
  }

  async getOrSet<T>(key: string, compute: () => Promise<T> | T, options: CacheWriteOptions = {}): Promise<T> {
    const hit = await this.get<T>(key);
    if (hit !== undefined) return hit;
    const value = await compute();
    await this.set(key, value, options);
    return value;
  }
}
