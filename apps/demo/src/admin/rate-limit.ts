/**
 * Attempts per client in a sliding window (login tries): `take(key)` counts one and says
 * whether it is allowed, or after how many seconds it will be. In memory, per process: with
 * several processes each enforces its own limit (so a client gets at most `limit × processes`
 * tries per window); the store is bounded (`maxClients`, the oldest dropped first).
 */
export class SlidingWindowLimiter {
  readonly #hits = new Map<string, number[]>();

  constructor(
    readonly limit: number,
    readonly windowMs: number,
    readonly maxClients = 10_000,
  ) {}

  /** Counts an attempt by `key`: `{ ok: true }`, or `{ ok: false, retryAfter }` in whole seconds (at least 1). */
  take(key: string, now = Date.now()): { ok: true } | { ok: false; retryAfter: number } {
    const recent = (this.#hits.get(key) ?? []).filter((at) => at > now - this.windowMs);
    if (recent.length >= this.limit) {
      this.#hits.set(key, recent);
      return { ok: false, retryAfter: Math.max(1, Math.ceil((recent[0]! + this.windowMs - now) / 1000)) };
    }
    recent.push(now);
    this.#hits.delete(key); // re-inserted last: Map order is then least recently used first
    this.#hits.set(key, recent);
    if (this.#hits.size > this.maxClients) this.#hits.delete(this.#hits.keys().next().value!);
    return { ok: true };
  }

  /** Forgets `key`'s attempts (after a successful login). */
  reset(key: string): void {
    this.#hits.delete(key);
  }
}
