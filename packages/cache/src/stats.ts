/**
 * Counters behind `cache.stats()`: plain integer fields bumped on each call, so the hot path
 * pays a few increments and no allocation. The snapshot (objects, copies) is built only when
 * `stats()` is called.
 */

/** The operations `stats()` counts, one entry each. `decr` counts as `incr`, `decrVersion` as `incrVersion`. */
export type CacheOperation =
  | 'get'
  | 'getMany'
  | 'has'
  | 'getOrSet'
  | 'set'
  | 'setMany'
  | 'add'
  | 'delete'
  | 'deleteMany'
  | 'touch'
  | 'incr'
  | 'incrVersion'
  | 'clear'
  | 'invalidateTags';

/** Every {@link CacheOperation}, in the order `stats().operations` lists them. */
export const CACHE_OPERATIONS: readonly CacheOperation[] = [
  'get',
  'getMany',
  'has',
  'getOrSet',
  'set',
  'setMany',
  'add',
  'delete',
  'deleteMany',
  'touch',
  'incr',
  'incrVersion',
  'clear',
  'invalidateTags',
];

/**
 * One operation's counts since the cache was created or `resetStats()` last ran.
 * `hits` and `misses` count keys, for the calls that read: `get`, `has`, `getOrSet` (a hit
 * returns a stored value, stale within grace included; a miss runs the factory), `getMany` (per
 * key), `touch` and `incrVersion` (hit: the key was there), `delete` and `add` (hit: the key was
 * there, so `delete` removed it and `add` stored nothing). The other calls leave them at 0.
 */
export interface CacheOperationStats {
  /** Calls made (a call that threw on a bad argument is not counted). */
  calls: number;
  /** Keys found. */
  hits: number;
  /** Keys not found (missing, expired, stale, invalidated by a tag, or the backend failed). */
  misses: number;
  /** Backend failures reported during the call (each one also an `error` event). */
  errors: number;
}

/** One tier's counts: keys read from it, found or not, and its failures. */
export interface CacheTierStats {
  /** Keys the tier held (an entry past its freshness but within grace counts as held). */
  hits: number;
  /** Keys the tier did not hold (or held expired, or invalidated by a tag). */
  misses: number;
  /** Failed operations of the tier (always 0 for the in-process L1). */
  errors: number;
}

/** What `cache.stats()` returns: a snapshot, safe to keep and serialise (`JSON.stringify`). */
export interface CacheStats {
  /** When counting started: the cache's creation or the last `resetStats()`, ms since the epoch. */
  since: number;
  /** The backend, as `backendInfo.name` names it, and whether it is known to be down right now. */
  backend: {
    /** `@adv/cache:memory`, `@adv/cache:redis`, `@adv/cache:redis+l1`, `@adv/cache:memcached` or `@adv/cache:keyv`. */
    name: string;
    /** The backend is known down: calls fail at once until a probe gets an answer (network backends only). */
    down: boolean;
    /** Since when it is down, ms since the epoch; `null` while it is up. */
    downSince: number | null;
  };
  /** Sums over every operation. */
  totals: CacheOperationStats;
  /** Counts per operation. */
  operations: Record<CacheOperation, CacheOperationStats>;
  /**
   * Counts per tier, per key read: `l1` is the in-process memory copy of a two-tier cache
   * (`null` without `l1`), `l2` the backend (memory, Redis, memcached or the keyv store). A key
   * that L1 holds never reaches L2.
   */
  tiers: { l1: CacheTierStats | null; l2: CacheTierStats };
}

/** Mutable counters of one operation (fields, not a map: increments stay monomorphic). */
export class OperationCounter implements CacheOperationStats {
  calls = 0;
  hits = 0;
  misses = 0;
  errors = 0;

  snapshot(): CacheOperationStats {
    return { calls: this.calls, hits: this.hits, misses: this.misses, errors: this.errors };
  }
}

/** Mutable counters of one tier. */
export class TierCounter implements CacheTierStats {
  hits = 0;
  misses = 0;
  errors = 0;

  snapshot(): CacheTierStats {
    return { hits: this.hits, misses: this.misses, errors: this.errors };
  }
}

/** Every counter of one cache. */
export class StatsCounters {
  since = Date.now();
  readonly ops: Record<CacheOperation, OperationCounter>;
  readonly l1: TierCounter;
  readonly l2: TierCounter;

  constructor() {
    this.ops = newOperationCounters();
    this.l1 = new TierCounter();
    this.l2 = new TierCounter();
  }

  /**
   * Counts a reported failure against `op` (when it is one of ours) and, when the backend
   * failed (`fromBackend`: not a value too large for it), against the backend tier.
   */
  error(op: string, fromBackend: boolean): void {
    if (Object.hasOwn(this.ops, op)) this.ops[op as CacheOperation].errors++;
    if (fromBackend) this.l2.errors++;
  }

  /** Zeroes every counter and restarts `since`. */
  reset(): void {
    this.since = Date.now();
    for (const op of CACHE_OPERATIONS) Object.assign(this.ops[op], { calls: 0, hits: 0, misses: 0, errors: 0 });
    for (const tier of [this.l1, this.l2]) Object.assign(tier, { hits: 0, misses: 0, errors: 0 });
  }

  /** The snapshot `stats()` returns. */
  snapshot(backend: CacheStats['backend'], twoTier: boolean): CacheStats {
    const operations = {} as Record<CacheOperation, CacheOperationStats>;
    const totals: CacheOperationStats = { calls: 0, hits: 0, misses: 0, errors: 0 };
    for (const op of CACHE_OPERATIONS) {
      const counts = this.ops[op].snapshot();
      operations[op] = counts;
      totals.calls += counts.calls;
      totals.hits += counts.hits;
      totals.misses += counts.misses;
      totals.errors += counts.errors;
    }
    return {
      since: this.since,
      backend,
      totals,
      operations,
      tiers: { l1: twoTier ? this.l1.snapshot() : null, l2: this.l2.snapshot() },
    };
  }
}

function newOperationCounters(): Record<CacheOperation, OperationCounter> {
  const ops = {} as Record<CacheOperation, OperationCounter>;
  for (const op of CACHE_OPERATIONS) ops[op] = new OperationCounter();
  return ops;
}
