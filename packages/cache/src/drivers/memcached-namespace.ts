import { createHash, randomBytes } from 'node:crypto';
import { EventEmitter } from 'node:events';
import type KeyvMemcache from '@keyv/memcache';
import { isSafeKey } from '../keys.js';

/** Minimal view of the memjs client `@keyv/memcache` wraps. */
export interface MemjsClient {
  add(key: string, value: string, options: { expires?: number }): Promise<boolean>;
  set(key: string, value: string, options: { expires?: number }): Promise<boolean>;
  increment(key: string, amount: number, options: { initial?: number; expires?: number }): Promise<{ value: number }>;
  decrement(key: string, amount: number, options: { initial?: number; expires?: number }): Promise<{ value: number }>;
  get(key: string): Promise<{ value: Buffer | null }>;
  close(): void;
}

/** How often an operation is redone when `clear()` elsewhere keeps moving the generation under it. */
const MAX_ATTEMPTS = 5;

function newGeneration(): string {
  return randomBytes(12).toString('base64url');
}

/**
 * The namespace generation of one `keyPrefix` on memcached, which cannot list or delete keys
 * by prefix. Every stored key is `<generation>:<key>`; the generation lives (without expiry) at
 * `<keyPrefix>:generation`. `clear()` stores a new random generation: every older key of this
 * prefix is unreachable from then on, in every process, and memcached's LRU reclaims them;
 * other prefixes and other apps on the server keep their data.
 *
 * Each operation reads the generation in the same round trip (memjs pipelines requests on
 * one connection) and is redone on the current generation when it moved: a process that
 * missed a `clear()` never reads, overwrites, deletes or counts a key of an older generation
 * without noticing. A missing generation (never created, evicted, server flushed or
 * restarted) counts as cleared: a new one is created with `add`, so concurrent creators agree.
 */
export class Generation {
  /** Where the generation is stored. */
  readonly key: string;
  readonly #client: MemjsClient;
  #current: string | undefined;
  #creating: Promise<string> | undefined;
  #pending: Promise<string | undefined> | undefined;

  constructor(client: MemjsClient, keyPrefix: string) {
    this.#client = client;
    this.key = `${keyPrefix}:generation`;
  }

  /** The stored key of `key` in generation `generation` (hashed when memcached would reject it). */
  scoped(key: string, generation: string): string {
    const scoped = `${generation}:${key}`;
    return isSafeKey(scoped) ? scoped : `${generation}:#${createHash('sha256').update(key).digest('hex')}`;
  }

  /**
   * Runs `op` on the generation this process last saw, reading the current one alongside it;
   * returns its result when they match and redoes it on the current one otherwise.
   */
  async run<R>(op: (generation: string) => Promise<R>): Promise<R> {
    let generation = this.#current ?? (await this.#adopt(await this.#read()));
    for (let attempt = 1; ; attempt++) {
      const [seen, result] = await Promise.allSettled([this.#check(), op(generation)]);
      if (seen.status === 'rejected') throw seen.reason;
      if (seen.value === generation) {
        if (result.status === 'rejected') throw result.reason;
        return result.value;
      }
      if (attempt >= MAX_ATTEMPTS) {
        throw new Error(`the generation of \`${this.key}\` changed during ${MAX_ATTEMPTS} attempts in a row`);
      }
      generation = await this.#adopt(seen.value);
    }
  }

  /** Starts a new generation: every key of the older ones becomes unreachable. */
  async clear(): Promise<void> {
    const generation = newGeneration();
    if (!(await this.#client.set(this.key, generation, { expires: 0 }))) {
      throw new Error(`memcached did not store \`${this.key}\``);
    }
    this.#current = generation;
  }

  /**
   * The generation as the server holds it, read once for every operation that asks before the
   * current microtask batch ends: the read is sent after each of those operations was, so it
   * validates them all, and a burst of concurrent operations costs one extra request, not one each.
   */
  #check(): Promise<string | undefined> {
    this.#pending ??= Promise.resolve().then(() => {
      this.#pending = undefined;
      return this.#read();
    });
    return this.#pending;
  }

  async #read(): Promise<string | undefined> {
    const { value } = await this.#client.get(this.key);
    return value === null ? undefined : value.toString();
  }

  /** Makes `seen` this process's generation; creates one when there is none. */
  #adopt(seen: string | undefined): string | Promise<string> {
    if (seen !== undefined) {
      this.#current = seen;
      return seen;
    }
    this.#creating ??= this.#create().finally(() => {
      this.#creating = undefined;
    });
    return this.#creating;
  }

  async #create(): Promise<string> {
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const fresh = newGeneration();
      // `add`: of concurrent creators (other processes too) one wins and all use its value.
      const generation = (await this.#client.add(this.key, fresh, { expires: 0 })) ? fresh : await this.#read();
      if (generation !== undefined) {
        this.#current = generation;
        return generation;
      }
    }
    throw new Error(`memcached keeps losing \`${this.key}\``);
  }
}

/** What `@keyv/memcache` returns from `get`. */
type Stored = { value: string | undefined } | undefined;

/**
 * A keyv store adapter over `@keyv/memcache` that scopes every key to the current
 * {@link Generation} of the cache's prefix; `clear()` starts a new generation instead of
 * flushing the server.
 */
export class GenerationStore extends EventEmitter {
  /** keyv sets it; the cache builds full keys itself, so it is unused. */
  namespace: string | undefined;
  readonly opts: Record<string, unknown>;
  readonly ttlSupport = true;
  readonly #inner: KeyvMemcache;
  readonly #generation: Generation;

  constructor(inner: KeyvMemcache, generation: Generation) {
    super();
    this.#inner = inner;
    this.#generation = generation;
    this.opts = inner.opts as Record<string, unknown>;
    inner.on('error', (error: unknown) => this.emit('error', error));
  }

  get(key: string): Promise<Stored> {
    return this.#generation.run((g) => this.#inner.get(this.#generation.scoped(key, g)) as Promise<Stored>);
  }

  /** One generation read for all keys; a failing key fails the call (reported, not a silent miss). */
  getMany(keys: string[]): Promise<Stored[]> {
    return this.#generation.run((g) =>
      Promise.all(keys.map((key) => this.#inner.get(this.#generation.scoped(key, g)) as Promise<Stored>)),
    );
  }

  async set(key: string, value: string, ttl?: number): Promise<boolean> {
    await this.#generation.run((g) => this.#inner.set(this.#generation.scoped(key, g), value, ttl));
    return true;
  }

  async setMany(entries: Array<{ key: string; value: string; ttl?: number }>): Promise<boolean[]> {
    await this.#generation.run((g) =>
      Promise.all(
        entries.map((entry) => this.#inner.set(this.#generation.scoped(entry.key, g), entry.value, entry.ttl)),
      ),
    );
    return entries.map(() => true);
  }

  delete(key: string): Promise<boolean> {
    return this.#generation.run((g) => this.#inner.delete(this.#generation.scoped(key, g)));
  }

  deleteMany(keys: string[]): Promise<boolean> {
    return this.#generation.run((g) => this.#inner.deleteMany(keys.map((key) => this.#generation.scoped(key, g))));
  }

  async has(key: string): Promise<boolean> {
    return (await this.get(key))?.value !== undefined;
  }

  /** This prefix only: a new generation, never `flush_all`. */
  clear(): Promise<void> {
    return this.#generation.clear();
  }
}
