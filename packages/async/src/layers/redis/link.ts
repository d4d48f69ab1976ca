import { AsyncError } from '../../errors.js';
import type { RedisClient } from './load-ioredis.js';

interface Pending {
  /** What the call does, for the error message (`publish to group \`chat\``). */
  what: string;
  /** Epoch ms at which the call gives up, and its whole budget in ms. */
  at: number;
  budget: number;
  fail(error: AsyncError): void;
}

/**
 * One ioredis connection with the outage contract of the Redis layer: nothing is sent while
 * Redis is unreachable (the client has no offline queue), a call waits for the connection and
 * then for the answer, both within one deadline, and every failure becomes `ERR_BACKEND`. A
 * command caught as Redis went away is never resent on reconnection. One ticker bounds every
 * pending call (no timer per command); `close()` fails them all at once with `ERR_CLOSED`.
 */
export class RedisLink {
  readonly client: RedisClient;
  readonly #pending = new Set<Pending>();
  readonly #readyWaiters = new Set<() => void>();
  #ticker: NodeJS.Timeout | undefined;
  #closed = false;
  /** The last connection error ioredis reported, for the message when Redis is unreachable. */
  #lastError: Error | undefined;
  /** Epoch ms since which the connection has not been ready (from creation until the first `ready`). */
  #downSince: number | null = Date.now();

  constructor(client: RedisClient) {
    this.client = client;
    client.on('ready', () => {
      this.#downSince = null;
      for (const wake of [...this.#readyWaiters]) wake();
    });
    client.on('close', () => {
      this.#downSince ??= Date.now();
    });
    client.on('error', (error: Error) => {
      this.#lastError = error;
    });
  }

  /** Epoch ms since which the connection has not been ready; `null` while it is. */
  get downSince(): number | null {
    return this.ready ? null : (this.#downSince ?? Date.now());
  }

  /** Whether commands can be sent now. */
  get ready(): boolean {
    return this.client.status === 'ready';
  }

  /**
   * Runs `run` once the connection is ready, and settles by `deadline` (epoch ms) at the latest:
   * with its result, or with `ERR_BACKEND` (unreachable, no answer in time, or Redis's error).
   */
  call<T>(what: string, run: () => Promise<T>, deadline: number): Promise<T> {
    if (this.#closed) return Promise.reject(new AsyncError('ERR_CLOSED', 'The channel layer is closed'));
    return new Promise<T>((resolve, reject) => {
      let settled = false;
      const finish = (settle: () => void) => {
        if (settled) return;
        settled = true;
        this.#pending.delete(pending);
        this.#readyWaiters.delete(send);
        settle();
      };
      const pending: Pending = {
        what,
        at: deadline,
        budget: Math.max(0, deadline - Date.now()),
        fail: (error) => finish(() => reject(error)),
      };
      const send = () => {
        this.#readyWaiters.delete(send);
        run().then(
          (value) => finish(() => resolve(value)),
          (error: unknown) => {
            // Refused before it was written (ioredis saw the close first): nothing reached
            // Redis, so wait for the connection as a call made during the outage does.
            if (notSent(error)) {
              if (!settled) this.#readyWaiters.add(send);
            } else finish(() => reject(this.#failed(what, error)));
          },
        );
      };
      this.#pending.add(pending);
      this.#ticker ??= setInterval(() => this.#sweep(), 25);
      if (this.ready) send();
      else this.#readyWaiters.add(send);
    });
  }

  /** Fails every pending call with `ERR_CLOSED` and stops the ticker. */
  close(): void {
    this.#closed = true;
    const closed = new AsyncError('ERR_CLOSED', 'The channel layer was closed');
    for (const pending of [...this.#pending]) pending.fail(closed);
    this.#readyWaiters.clear();
    clearInterval(this.#ticker);
    this.#ticker = undefined;
  }

  #sweep(): void {
    const now = Date.now();
    for (const pending of [...this.#pending]) {
      if (pending.at <= now) pending.fail(this.#timedOut(pending));
    }
    if (this.#pending.size === 0) {
      clearInterval(this.#ticker);
      this.#ticker = undefined;
    }
  }

  #timedOut(pending: Pending): AsyncError {
    if (this.ready) {
      return new AsyncError(
        'ERR_BACKEND',
        `Could not ${pending.what}: Redis did not answer within ${pending.budget} ms (it may have applied the command before it went away; it is not resent)`,
      );
    }
    const last = this.#lastError;
    return new AsyncError(
      'ERR_BACKEND',
      `Could not ${pending.what}: Redis was unreachable for ${pending.budget} ms${last ? ` (${last.message})` : ''}; nothing was sent`,
      last ? { cause: last } : undefined,
    );
  }

  #failed(what: string, error: unknown): AsyncError {
    return new AsyncError('ERR_BACKEND', `Could not ${what}: ${(error as Error)?.message ?? String(error)}`, {
      cause: error,
    });
  }
}

/** ioredis refused the command without writing it (the connection has no offline queue). */
function notSent(error: unknown): boolean {
  return error instanceof Error && error.message.includes('enableOfflineQueue');
}
