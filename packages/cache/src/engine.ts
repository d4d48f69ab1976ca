import { randomBytes } from 'node:crypto';
import { Breaker } from './breaker.js';
import { Deadlines } from './deadlines.js';
import type { Driver } from './drivers/types.js';
import { CacheError } from './errors.js';
import { safeKey } from './keys.js';
import type { SetOptions } from './options.js';
import { decodeEntry, type Entry, encodeEntry, exceeds } from './payload.js';
import type { CacheErrorListener, CacheSettings } from './settings.js';
import { StatsCounters } from './stats.js';

/** The settings `Cache` reads itself: key building, the default ttl, the logger. */
export type EngineConfig = Readonly<
  Pick<CacheSettings, 'keyPrefix' | 'version' | 'keyFunction' | 'defaultTtl' | 'logger'>
>;

/** A prepared write of `setMany`: a full key, its stored string and its ttl in ms. */
export interface PreparedWrite {
  key: string;
  payload: string;
  ttlMs: number | undefined;
}

/**
 * What `Cache` needs of its engine, and all it uses: stored strings in and out by full key
 * (the backend and the two-tier L1 behind them), tag versions, error handling and counters.
 * Keys are full keys (`makeKey`'s result); ttls are in ms. Every backend call made through
 * these members is bounded by the cache's `timeout` and refused at once while the backend is
 * known down, unless it says otherwise.
 */
export interface CacheEngine {
  /** The settings `Cache` builds keys and defaults from. */
  readonly config: EngineConfig;
  /** The counters of `stats()`. */
  readonly stats: StatsCounters;
  /** Whether `close()` ran. */
  readonly closed: boolean;
  /** Whether entries carry their own expiry (`e`), see {@link Engine.keepsExpiry}. */
  readonly keepsExpiry: boolean;
  /** Whether an L1 memory copy sits in front of the backend. */
  readonly twoTier: boolean;
  /** The L1 epoch to pass to the writes, taken before a value or its tag versions are read. */
  readonly epoch: number;
  /** Since when the backend is known down; undefined while it is up (or it cannot be down). */
  downSince(): Date | undefined;
  /** Adds an `error` event listener; returns a function that removes it. */
  onError(listener: CacheErrorListener): () => void;
  /** Builds the stored string of `value` (see {@link Engine.encode}). */
  encode(
    value: unknown,
    options: SetOptions,
    versions?: TagVersions,
    strict?: boolean,
    op?: string,
  ): Encoded | Promise<Encoded>;
  /** Reads one key through L1 and the backend; checks expiry and tag versions. */
  read(full: string): Promise<Read>;
  /**
   * {@link read} for `get` and `has`: hands the read to `onRead`; a failure is handled as
   * {@link attempt} does (reported, or thrown with `onError: 'throw'`) and then answered by
   * `onMiss`. One promise for the caller where `read` + `then` made two (see {@link Engine.readWith}).
   */
  readWith<R>(full: string, op: string, onRead: (read: Read) => R, onMiss: () => R): Promise<R>;
  /** Whether {@link readNow} can answer: an open cache on an in-process store, without L1. */
  readonly readsNow: boolean;
  /** {@link readWith} answered synchronously; only while {@link readsNow}. */
  readNow<R>(full: string, op: string, onRead: (read: Read) => R, onMiss: () => R): R;
  /** Reads several keys: L1 first, then one round trip for the rest. */
  readMany(fulls: readonly string[]): Promise<Read[]>;
  /** Stores a prepared string and refreshes the L1 copies (see {@link Engine.write}). */
  write(full: string, payload: string, ttlMs: number | undefined, since: number): Promise<boolean>;
  /** Stores an entry read before, as it is (see {@link Engine.write}). */
  rewrite(full: string, entry: Entry, ttlMs: number | undefined, since: number): Promise<boolean>;
  /** Stores prepared strings in one round trip; true unless the store reported a failure. */
  writeMany(writes: readonly PreparedWrite[]): Promise<boolean>;
  /** Stores `payload` only if `full` holds no live entry; true when stored. */
  insert(full: string, payload: string, ttlMs: number | undefined, since: number): Promise<boolean>;
  /** Deletes one key from the backend; true when it was there. Leaves L1 to {@link forget}. */
  remove(full: string): Promise<boolean>;
  /** Deletes keys from the backend. Leaves L1 to {@link forget}. */
  removeMany(fulls: readonly string[]): Promise<boolean>;
  /** Adds `delta` to the integer at `full` (missing: 0) and returns the result. */
  increment(full: string, delta: number, ttlMs: number | undefined): Promise<number>;
  /** Milliseconds `full` has left in a store that expires keys itself; undefined when it cannot tell. */
  remainingTtl(full: string): Promise<number | undefined>;
  /** The tag versions a tagged write records, creating missing ones. */
  tagVersionsForWrite(tags: readonly string[]): Promise<Record<string, string>>;
  /** Gives each tag a new version. */
  bumpTags(tags: readonly string[]): Promise<void>;
  /** Deletes every key of the cache's prefix (bounded by 60 s, not `timeout`). */
  clearAll(): Promise<void>;
  /** Drops the L1 copies of `fulls` (all when absent) in every process; no-op without L1. */
  forget(fulls?: readonly string[]): void;
  /** Frees expired entries of the memory backend and of L1; returns how many. */
  pruneExpired(): number;
  /** Pings the backend and, with L1, subscribes to invalidations. */
  connect(): Promise<void>;
  /** Closes the backend within the bound, even when it is gone. Idempotent. */
  close(): Promise<void>;
  /** Runs a backend operation, reporting a failure and falling back (see {@link Engine.attempt}). */
  attempt<R>(op: string, key: string, run: () => Promise<R>, fallback: R, rethrow?: boolean): Promise<R>;
  /** Handles a failure as {@link attempt} does: throws a programmer error, else reports it and returns `fallback`. */
  recover<R>(error: unknown, op: string, key: string, fallback: R, rethrow?: boolean): R;
  /** Reports a failure (event, log, counters); throws it when `rethrow`. */
  report(error: unknown, op: string, key: string, rethrow: boolean): CacheError;
}

import { checkOptions, checkTags, checkTtl, toMs } from './validate.js';

/** A value ready to store, and its ttl in ms. */
export interface Encoded {
  payload: string | undefined;
  ttlMs: number | undefined;
}

/**
 * Tag versions to record in an entry: read before the value was computed (`getOrSet`), `null`
 * when the backend failed (nothing is stored), or `undefined` to read them now.
 */
export type TagVersions = Record<string, string> | null | undefined;

/** A fresh tag version: random, so a tag key lost to eviction is never recreated with an old value. */
export function newTagVersion(): string {
  return randomBytes(12).toString('base64url');
}

/** One key as read: the stored string and, when fresh or stale but valid, its entry. */
export interface Read {
  key: string;
  raw: string | undefined;
  entry: Entry | undefined;
}

/**
 * The backend side of a {@link Cache}: reads and writes of stored strings, expiry, tag
 * versions, the L1 copy, timeouts and error reporting. Internal: `Cache` is the API.
 */
export class Engine implements CacheEngine {
  /** Resolved settings. */
  readonly s: CacheSettings;
  /** The backend. */
  readonly driver: Driver;
  /** `error` event listeners. */
  readonly listeners = new Set<CacheErrorListener>();
  /** Head of tag-version keys. */
  readonly tagHead: string;
  /** Set by `close()`. */
  closed = false;
  /** The settings `Cache` reads (the same object as {@link s}). */
  readonly config: EngineConfig;
  /** Network backends: the "known down" state that makes calls fail at once during an outage. */
  readonly breaker: Breaker | undefined;
  /** Counters of `stats()`: calls, hits, misses and errors per operation and per tier. */
  readonly stats = new StatsCounters();
  /** One deadline timer per bound in use (`timeout`, and 60 s for `clear`). */
  readonly #deadlines = new Map<number, Deadlines>();
  /** The deadline timer of the cache's own `timeout` (most calls), once made. */
  #usualDeadlines: Deadlines | undefined;
  /**
   * The tagged entry whose tag versions a synchronous read checked last (its full key and stored
   * string) and the store's stamp right after: while the stamp stands, nothing was written,
   * removed or evicted, so those versions still match and the next hit skips reading them.
   */
  #checkedKey: string | undefined;
  #checkedRaw: string | undefined;
  #checkedStamp = -1;

  constructor(settings: CacheSettings) {
    this.s = settings;
    this.config = settings;
    this.driver = settings.driver;
    this.tagHead = `${settings.keyPrefix}:tag:`;
    const timeout = settings.timeout;
    if (timeout !== undefined) {
      this.breaker = new Breaker({
        kind: settings.driver.kind,
        logger: settings.logger,
        probe: async () => {
          await this.driver.loading?.();
          await this.#bounded(() => this.driver.ping(), timeout);
        },
      });
    }
    settings.l1?.guardWith((run) => this.guard(run));
  }

  /**
   * Whether entries carry their own expiry: Redis and memory expire keys to the ms themselves;
   * memcached only to the second, an L1 copy and a custom keyv store not at all.
   */
  get keepsExpiry(): boolean {
    return !this.driver.nativeTtl || this.driver.kind === 'memcached' || this.s.l1 !== undefined;
  }

  /** Whether an L1 memory copy sits in front of the backend. */
  get twoTier(): boolean {
    return this.s.l1 !== undefined;
  }

  downSince(): Date | undefined {
    return this.breaker?.since;
  }

  onError(listener: CacheErrorListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Where a tag's version lives: `prefix:tag:name` (hashed if unsafe), outside every key version. */
  tagKey(tag: string): string {
    return safeKey(`${this.tagHead}${tag}`, this.tagHead);
  }

  /** The ttl as the store's `set` expects it. */
  storeTtl(ttlMs: number | undefined): number | undefined {
    return this.driver.toStoreTtl ? this.driver.toStoreTtl(ttlMs) : ttlMs;
  }

  /**
   * Builds the stored string; `payload` is undefined (and reported) when too large for the
   * backend. Synchronous unless tags need their versions read: the memory hot path stays cheap.
   * `versions` are the tag versions read before the value was computed (see {@link TagVersions}).
   */
  encode(
    value: unknown,
    options: SetOptions,
    versions?: TagVersions,
    strict = false,
    op = 'set',
  ): Encoded | Promise<Encoded> {
    checkOptions(options);
    checkTtl(options.ttl);
    checkTtl(options.grace, 'grace');
    checkTags(options.tags);
    const ttl = options.ttl ?? this.s.defaultTtl;
    const grace = options.grace ?? this.s.defaultGrace;
    const now = Date.now();
    const entry: Entry = { v: value };
    let ttlMs: number | undefined;
    if (ttl > 0) {
      ttlMs = toMs(ttl + grace);
      if (grace > 0) entry.f = now + ttl * 1000;
      if (this.keepsExpiry) entry.e = now + ttlMs;
    }
    const tags = options.tags;
    if (tags === undefined || tags.length === 0) return this.#finish(entry, ttlMs, strict, op);
    if (versions === null) return { payload: undefined, ttlMs };
    if (versions !== undefined) {
      entry.g = versions;
      return this.#finish(entry, ttlMs, strict, op);
    }
    encodeEntry(entry, false); // fail fast on values JSON cannot hold, before a backend call
    return this.attempt(op, tags.join(','), () => this.tagVersionsForWrite(tags), undefined, strict).then((read) => {
      if (read === undefined) return { payload: undefined, ttlMs };
      entry.g = read;
      return this.#finish(entry, ttlMs, strict, op);
    });
  }

  /** `strict`: a value too large throws whatever `onError` says (for `add`, whose `false` means "exists"). */
  #finish(entry: Entry, ttlMs: number | undefined, strict: boolean, op: string): Encoded {
    const payload = encodeEntry(entry, this.driver.nativeTtl);
    if (exceeds(payload, this.driver.maxValueBytes)) {
      const error = new CacheError(
        'ERR_VALUE_TOO_LARGE',
        `Expected the stored value to fit in ${this.driver.maxValueBytes} bytes (the ${this.driver.kind} limit), got ${Buffer.byteLength(payload)} bytes`,
      );
      this.report(error, op, '', strict || this.s.onError === 'throw');
      return { payload: undefined, ttlMs };
    }
    return { payload, ttlMs };
  }

  /**
   * Current version of each tag, in one round trip; `undefined` for a tag whose key is absent
   * (never used, or evicted): an entry that recorded a version for it is then invalid.
   */
  async tagVersions(tags: readonly string[]): Promise<Record<string, string | undefined>> {
    const raws = await this.guard(() => this.driver.keyv.getMany(tags.map((tag) => this.tagKey(tag))));
    const versions: Record<string, string | undefined> = {};
    for (const [index, tag] of tags.entries()) {
      const raw = raws[index];
      versions[tag] = typeof raw === 'string' ? raw : undefined;
    }
    return versions;
  }

  /**
   * The versions a tagged write records: the current ones, creating (`add`, so concurrent
   * writers agree) a random version for each tag that has none yet.
   */
  async tagVersionsForWrite(tags: readonly string[]): Promise<Record<string, string>> {
    const versions = await this.tagVersions(tags);
    const missing = tags.filter((tag) => versions[tag] === undefined);
    if (missing.length > 0) {
      const lost: string[] = [];
      await Promise.all(
        missing.map(async (tag) => {
          const version = newTagVersion();
          if (await this.guard(() => this.driver.add(this.tagKey(tag), version, undefined))) versions[tag] = version;
          else lost.push(tag);
        }),
      );
      // Another writer created it first: record its version.
      if (lost.length > 0) Object.assign(versions, await this.tagVersions(lost));
    }
    const recorded: Record<string, string> = {};
    for (const tag of tags) {
      const version = versions[tag];
      if (version === undefined) {
        throw new CacheError('ERR_BACKEND', `Cache backend (${this.driver.kind}) lost the version of tag \`${tag}\``);
      }
      recorded[tag] = version;
    }
    return recorded;
  }

  /** Gives each tag a new random version: every entry that recorded an older one is invalid. */
  async bumpTags(tags: readonly string[]): Promise<void> {
    await Promise.all(tags.map((tag) => this.guard(() => this.driver.keyv.set(this.tagKey(tag), newTagVersion()))));
  }

  /** The L1 epoch to pass to {@link write}, taken before the value or its tag versions are read. */
  get epoch(): number {
    return this.s.l1?.epoch ?? 0;
  }

  /**
   * Stores a prepared string, dropping the other processes' L1 copies and refreshing this
   * process's, unless an invalidation landed after `since` (see {@link epoch}).
   */
  async write(full: string, payload: string, ttlMs: number | undefined, since: number): Promise<boolean> {
    const ok = await this.guard(() => this.driver.keyv.set(full, payload, this.storeTtl(ttlMs)));
    const l1 = this.s.l1;
    if (l1) {
      const fresh = l1.epoch === since;
      l1.invalidate([full]);
      if (fresh) l1.keep(full, payload, ttlMs, l1.epoch);
    }
    return ok !== false;
  }

  rewrite(full: string, entry: Entry, ttlMs: number | undefined, since: number): Promise<boolean> {
    return this.write(full, encodeEntry(entry, this.driver.nativeTtl), ttlMs, since);
  }

  async writeMany(writes: readonly PreparedWrite[]): Promise<boolean> {
    const rows = writes.map(({ key, payload, ttlMs }) => ({ key, value: payload, ttl: this.storeTtl(ttlMs) }));
    // Some stores (Redis) resolve setMany with nothing: only an explicit false is a failure.
    const results: unknown = await this.guard(() => this.driver.keyv.setMany(rows));
    return !Array.isArray(results) || results.every((ok) => ok !== false);
  }

  async insert(full: string, payload: string, ttlMs: number | undefined, since: number): Promise<boolean> {
    let added = await this.guard(() => this.driver.add(full, payload, this.storeTtl(ttlMs)));
    if (!added && this.keepsExpiry) {
      // memcached expires to the second: an entry past its exact expiry still blocks ADD.
      const { raw, entry } = await this.read(full);
      if (raw !== undefined && entry === undefined) added = await this.write(full, payload, ttlMs, since);
    }
    if (added) this.s.l1?.invalidate([full]);
    return added;
  }

  remove(full: string): Promise<boolean> {
    return this.guard(() => this.driver.keyv.delete(full));
  }

  removeMany(fulls: readonly string[]): Promise<boolean> {
    return this.guard(() => this.driver.keyv.deleteMany([...fulls]));
  }

  increment(full: string, delta: number, ttlMs: number | undefined): Promise<number> {
    return this.guard(() => this.driver.incr(full, delta, ttlMs));
  }

  async remainingTtl(full: string): Promise<number | undefined> {
    const remaining = this.driver.remainingTtl;
    return remaining ? await this.guard(() => remaining.call(this.driver, full)) : undefined;
  }

  clearAll(): Promise<void> {
    return this.guard(() => this.driver.clear(`${this.s.keyPrefix}:`), 60_000);
  }

  forget(fulls?: readonly string[]): void {
    this.s.l1?.invalidate(fulls);
  }

  pruneExpired(): number {
    return (this.driver.pruneExpired?.() ?? 0) + (this.s.l1?.pruneExpired() ?? 0);
  }

  async connect(): Promise<void> {
    await this.guard(() => this.driver.ping());
    await this.s.l1?.subscribe();
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.breaker?.close();
    const bound = this.s.timeout ?? 1000;
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, bound * 2);
      timer.unref();
    });
    const closing = this.driver
      .close(bound)
      .catch((error: unknown) => this.s.logger.warn({ err: error }, '@adv/cache: closing the backend failed'));
    await Promise.race([closing, late]).finally(() => clearTimeout(timer));
  }

  /** One key: the hot path, without the arrays of `readMany`. Counts the key per tier. */
  read(full: string): Promise<Read> {
    const readSync = this.driver.readSync;
    if (readSync === undefined || this.s.l1 !== undefined) return this.#read(full);
    // An in-process store (memory): read it and its tag versions without a promise per step.
    try {
      return Promise.resolve(this.#readLocal(full, readSync));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  /**
   * The hot path of `get`/`has`. A network backend without L1 (Redis, memcached) decodes,
   * counts and answers in the deadline's own step, failures included (`recover`); a memory
   * store answers synchronously. Anything else (L1, a driver still loading, no `timeout`) goes
   * through {@link read}.
   */
  readWith<R>(full: string, op: string, onRead: (read: Read) => R, onMiss: () => R): Promise<R> {
    if (this.closed) return Promise.reject(closedError(op));
    const fail = (error: unknown): R => {
      this.recover(error, op, full, undefined);
      return onMiss();
    };
    const { driver, s } = this;
    const readSync = driver.readSync;
    const timeout = s.timeout;
    if (s.l1 === undefined && readSync !== undefined)
      return settle(() => onRead(this.#readLocal(full, readSync)), fail);
    if (s.l1 !== undefined || timeout === undefined) return this.read(full).then(onRead, fail);
    const loading = driver.loading?.();
    // A driver still loading (or whose load failed: a rejection to handle here, never to drop).
    if (loading !== undefined) return loading.then(() => this.readWith(full, op, onRead, onMiss), fail);
    const refusal = this.breaker?.refusal();
    if (refusal !== undefined) return settle(() => fail(refusal));
    const ready = driver.ready?.();
    let promise: Promise<string | null | undefined>;
    try {
      promise = ready === undefined ? driver.keyv.get(full) : ready.then(() => driver.keyv.get(full));
    } catch (error) {
      promise = Promise.reject(error);
    }
    return this.#deadlinesOf(timeout).bound(
      promise,
      this.#tripOnOutage,
      (value) => {
        const read = this.#fromBackend(full, value ?? undefined);
        return read instanceof Promise ? read.then(onRead, fail) : onRead(read);
      },
      fail,
    );
  }

  get readsNow(): boolean {
    return !this.closed && this.s.l1 === undefined && this.driver.readSync !== undefined;
  }

  readNow<R>(full: string, op: string, onRead: (read: Read) => R, onMiss: () => R): R {
    // Callers ask `readsNow` first: there is a `readSync`.
    const readSync = this.driver.readSync as (key: string) => string | undefined;
    try {
      return onRead(this.#readLocal(full, readSync));
    } catch (error) {
      this.recover(error, op, full, undefined);
      return onMiss();
    }
  }

  /** {@link read} on a driver with `readSync` and no L1: the same checks and counts, synchronously. */
  #readLocal(full: string, readSync: (key: string) => string | undefined): Read {
    const raw = readSync(full);
    let entry = decodeEntry(raw);
    if (entry !== undefined && entry.e !== undefined && entry.e <= Date.now()) entry = undefined;
    const stats = this.stats;
    if (entry !== undefined && entry.g !== undefined && !this.#stillChecked(full, raw)) {
      for (const tag in entry.g) {
        const version = readSync(this.tagKey(tag));
        if ((typeof version === 'string' ? version : undefined) !== entry.g[tag]) {
          entry = undefined;
          break;
        }
      }
      if (entry !== undefined) this.#remember(full, raw as string, readSync);
    }
    if (entry === undefined) stats.l2.misses++;
    else stats.l2.hits++;
    return { key: full, raw, entry };
  }

  /** Whether `raw`, read under `full`, is the tagged entry checked last and the store has not changed since. */
  #stillChecked(full: string, raw: string | undefined): boolean {
    const stamp = this.driver.stamp;
    return (
      stamp !== undefined && raw === this.#checkedRaw && full === this.#checkedKey && stamp() === this.#checkedStamp
    );
  }

  /**
   * Remembers a tagged entry whose versions matched. It is read once more first, so that it is
   * the newest key again (the tag reads moved theirs): its next hit then moves nothing, and the
   * stamp stands. Tag versions are stored without a ttl: only a write, a removal or an eviction
   * (each of which moves the stamp) can change them.
   */
  #remember(full: string, raw: string, readSync: (key: string) => string | undefined): void {
    const stamp = this.driver.stamp;
    if (stamp === undefined || readSync(full) !== raw) return;
    this.#checkedKey = full;
    this.#checkedRaw = raw;
    this.#checkedStamp = stamp();
  }

  /**
   * {@link read} from a store that needs a round trip. Without L1 (the Redis get-hit of #18) the
   * answer is decoded and counted in the deadline's own step: no `async` layer, no extra `then`.
   */
  #read(full: string): Promise<Read> {
    const l1 = this.s.l1;
    if (l1 !== undefined) return this.#readTwoTier(full, l1);
    return this.guard(
      () => this.driver.keyv.get(full),
      this.s.timeout,
      (value) => this.#fromBackend(full, value ?? undefined),
    );
  }

  /** A stored string just read from the backend (no L1): its entry when live, counted per tier. */
  #fromBackend(full: string, raw: string | undefined): Read | Promise<Read> {
    let entry = decodeEntry(raw);
    if (entry !== undefined && entry.e !== undefined && entry.e <= Date.now()) entry = undefined;
    if (entry === undefined) {
      this.stats.l2.misses++;
      return { key: full, raw, entry };
    }
    const g = entry.g;
    if (g === undefined) {
      this.stats.l2.hits++;
      return { key: full, raw, entry };
    }
    return this.tagVersions(Object.keys(g)).then((versions) => {
      for (const tag in g) {
        if (versions[tag] !== g[tag]) {
          this.stats.l2.misses++;
          return { key: full, raw, entry: undefined };
        }
      }
      this.stats.l2.hits++;
      return { key: full, raw, entry };
    });
  }

  /** {@link read} through the two-tier L1, then the backend. */
  async #readTwoTier(full: string, l1: NonNullable<CacheSettings['l1']>): Promise<Read> {
    const since = this.epoch;
    const cached = l1.get(full);
    const raw = cached ?? (await this.guard(() => this.driver.keyv.get(full))) ?? undefined;
    let entry = decodeEntry(raw);
    const now = Date.now();
    if (entry !== undefined && entry.e !== undefined && entry.e <= now) entry = undefined;
    const stats = this.stats;
    if (cached !== undefined) {
      if (entry === undefined) stats.l1.misses++;
      else stats.l1.hits++;
      return { key: full, raw, entry };
    }
    stats.l1.misses++;
    if (entry === undefined) {
      stats.l2.misses++;
      return { key: full, raw, entry };
    }
    if (entry.g !== undefined) {
      const versions = await this.tagVersions(Object.keys(entry.g));
      for (const tag in entry.g) {
        if (versions[tag] !== entry.g[tag]) {
          stats.l2.misses++;
          return { key: full, raw, entry: undefined };
        }
      }
    }
    stats.l2.hits++;
    l1.keep(full, raw as string, entry.e === undefined ? undefined : entry.e - now, since);
    return { key: full, raw, entry };
  }

  /** Several keys: L1 first, then one `MGET` (or keyv's equivalent) for the rest. */
  async readMany(fulls: readonly string[]): Promise<Read[]> {
    const l1 = this.s.l1;
    const since = this.epoch;
    const reads: Read[] = fulls.map((key) => ({ key, raw: l1?.get(key), entry: undefined }));
    const missing = reads.filter((read) => read.raw === undefined);
    if (missing.length === 1) {
      const read = missing[0] as Read;
      read.raw = (await this.guard(() => this.driver.keyv.get(read.key))) ?? undefined;
    } else if (missing.length > 1) {
      const raws = await this.guard(() => this.driver.keyv.getMany(missing.map((read) => read.key)));
      for (const [index, read] of missing.entries()) read.raw = raws[index] ?? undefined;
    }
    const now = Date.now();
    const fromBackend = new Set(missing);
    const tags = new Set<string>();
    for (const read of reads) {
      const entry = decodeEntry(read.raw);
      if (entry === undefined || (entry.e !== undefined && entry.e <= now)) continue;
      read.entry = entry;
      // L1 copies need no tag check: invalidateTags drops every L1 in every process.
      if (entry.g !== undefined && fromBackend.has(read)) for (const tag in entry.g) tags.add(tag);
    }
    if (tags.size > 0) {
      const versions = await this.tagVersions([...tags]);
      for (const read of reads) {
        const g = read.entry?.g;
        if (g === undefined || !fromBackend.has(read)) continue;
        for (const tag in g) {
          if (versions[tag] !== g[tag]) {
            read.entry = undefined;
            break;
          }
        }
      }
    }
    this.#countMany(reads, fromBackend);
    if (l1) {
      for (const read of missing) {
        const entry = read.entry;
        if (entry !== undefined)
          l1.keep(read.key, read.raw as string, entry.e === undefined ? undefined : entry.e - now, since);
      }
    }
    return reads;
  }

  /** Counts the keys of a `readMany` per tier: those not `fromBackend` came from L1. */
  #countMany(reads: readonly Read[], fromBackend: ReadonlySet<Read>): void {
    const { l1, l2 } = this.stats;
    const twoTier = this.s.l1 !== undefined;
    for (const read of reads) {
      const found = read.entry !== undefined;
      if (!fromBackend.has(read)) {
        if (found) l1.hits++;
        else l1.misses++;
        continue;
      }
      if (twoTier) l1.misses++;
      if (found) l2.hits++;
      else l2.misses++;
    }
  }

  /**
   * Runs a backend operation; a failure is reported and replaced by `fallback`, or thrown with
   * `onError: 'throw'` (or `rethrow`: calls whose fallback would be misleading, like `add`).
   */
  attempt<R>(op: string, key: string, run: () => Promise<R>, fallback: R, rethrow = false): Promise<R> {
    if (this.closed) return Promise.reject(closedError(op));
    return run().catch((error: unknown) => this.recover(error, op, key, fallback, rethrow));
  }

  /**
   * What {@link attempt} does with a failure: a programmer error (a `CacheError` other than
   * `ERR_BACKEND` / `ERR_VALUE_TOO_LARGE`) is thrown as it is; a backend failure is reported and
   * `fallback` returned, or thrown with `onError: 'throw'` or `rethrow`.
   */
  recover<R>(error: unknown, op: string, key: string, fallback: R, rethrow = false): R {
    if (error instanceof CacheError && error.code !== 'ERR_BACKEND' && error.code !== 'ERR_VALUE_TOO_LARGE') {
      throw error;
    }
    this.report(error, op, key, rethrow || this.s.onError === 'throw');
    return fallback;
  }

  /** Wraps, emits and logs a backend failure; throws it when `rethrow`. */
  report(error: unknown, op: string, key: string, rethrow: boolean): CacheError {
    const wrapped =
      error instanceof CacheError
        ? error
        : new CacheError(
            'ERR_BACKEND',
            `Cache backend (${this.driver.kind}) failed during \`${op}\`${key ? ` of \`${key}\`` : ''}: ${(error as Error)?.message ?? String(error)}`,
            { cause: error },
          );
    this.stats.error(op, wrapped.code !== 'ERR_VALUE_TOO_LARGE');
    for (const listener of this.listeners) {
      try {
        listener(wrapped);
      } catch (listenerError) {
        this.s.logger.error({ err: listenerError }, '@adv/cache: an `error` listener threw');
      }
    }
    if (rethrow) throw wrapped;
    // During a known outage the breaker logged it once: one line per call would flood the log.
    if (!this.breaker?.down) this.s.logger.warn({ err: wrapped, op, key }, wrapped.message);
    return wrapped;
  }

  /**
   * Runs a network operation within `timeout` ms. While the backend is known down it fails at
   * once; a failure that shows the server unreachable (or no answer in time) marks it down.
   * A driver module still loading is waited for first, outside the bound (it is local work).
   * `map` turns the answer into the result in the same step (see {@link Deadlines.bound}).
   */
  guard<T, R = T>(
    run: () => Promise<T>,
    timeoutMs: number | undefined = this.s.timeout,
    map?: (value: T) => R | PromiseLike<R>,
  ): Promise<R> {
    if (timeoutMs === undefined) return map === undefined ? (run() as Promise<unknown> as Promise<R>) : run().then(map);
    const loading = this.driver.loading?.();
    if (loading !== undefined) return loading.then(() => this.guard(run, timeoutMs, map));
    const refusal = this.breaker?.refusal();
    if (refusal !== undefined) return Promise.reject(refusal);
    return this.#bounded(run, timeoutMs, this.#tripOnOutage, map);
  }

  /** Marks the backend down after a failure that shows it unreachable (or no answer in time). */
  readonly #tripOnOutage = (error: unknown): void => {
    if (!(error instanceof CacheError) && (timeouts.has(error as object) || (this.driver.isOutage?.(error) ?? true)))
      this.breaker?.trip(error);
  };

  /** Bounds an operation (and the connect it may wait for) by `timeoutMs`; `onFailure` sees its failure first. */
  #bounded<T, R = T>(
    run: () => Promise<T>,
    timeoutMs: number,
    onFailure?: (error: unknown) => void,
    map?: (value: T) => R | PromiseLike<R>,
  ): Promise<R> {
    const ready = this.driver.ready?.();
    let promise: Promise<T>;
    try {
      promise = ready === undefined ? run() : ready.then(run);
    } catch (error) {
      promise = Promise.reject(error); // a client that throws instead of rejecting still fails the call
    }
    return this.#deadlinesOf(timeoutMs).bound(promise, onFailure, map);
  }

  /** The deadline timer of a bound: the cache's `timeout` is kept at hand, others in a map. */
  #deadlinesOf(timeoutMs: number): Deadlines {
    const usual = this.#usualDeadlines;
    if (usual !== undefined && timeoutMs === this.s.timeout) return usual;
    let deadlines = this.#deadlines.get(timeoutMs);
    if (deadlines === undefined) {
      deadlines = new Deadlines(timeoutMs, (error) => timeouts.add(error));
      this.#deadlines.set(timeoutMs, deadlines);
      if (timeoutMs === this.s.timeout) this.#usualDeadlines = deadlines;
    }
    return deadlines;
  }
}

/**
 * A promise of `answer()`: fulfilled with its result, or, when it throws, of `fail(error)` (or
 * rejected when there is no `fail` or it throws too), without a promise step in between.
 */
function settle<R>(answer: () => R, fail?: (error: unknown) => R): Promise<R> {
  try {
    return Promise.resolve(answer());
  } catch (error) {
    if (fail === undefined) return Promise.reject(error);
    return settle(() => fail(error));
  }
}

/** The error of a call made after `close()`. */
export function closedError(op: string): CacheError {
  return new CacheError('ERR_CLOSED', `Cannot \`${op}\`: the cache was closed`);
}

/** The errors of operations that got no answer in time (they mark the backend down). */
const timeouts = new WeakSet<object>();
