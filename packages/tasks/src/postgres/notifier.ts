import type { PgRunner } from './connection.js';

interface NotifierDeps {
  db: PgRunner;
  channel: string;
  /** Bound of one NOTIFY (ms). */
  wait: number;
}

/**
 * Wakes the queue's workers with NOTIFY, coalescing: every enqueue asks for a notification, but
 * while one NOTIFY is on its way the next ones are gathered (a delayed job's due time keeps only
 * the earliest) and sent together after it. A NOTIFY per job would take PostgreSQL's global
 * notification lock at every commit; this costs one per round trip.
 */
export class PgNotifier {
  readonly #deps: NotifierDeps;
  readonly #pending = new Set<string>();
  #earliest = Number.POSITIVE_INFINITY;
  #sending: Promise<void> | undefined;

  constructor(deps: NotifierDeps) {
    this.#deps = deps;
  }

  /** Queues a notification payload: `n` (a job is due now), `d:<ms>` (due then), `s` (schedules changed). */
  send(payload: string): void {
    if (payload.startsWith('d:')) this.#earliest = Math.min(this.#earliest, Number(payload.slice(2)));
    else this.#pending.add(payload);
    this.#sending ??= this.#flush();
  }

  /** Sends one notification now, rejecting when it could not be sent. */
  async sendNow(what: string, payload: string): Promise<void> {
    await this.#deps.db.query(what, 'SELECT pg_notify($1, $2)', [this.#deps.channel, payload], {
      wait: this.#deps.wait,
    });
  }

  /** Resolves once nothing is waiting to be sent. */
  async flushed(): Promise<void> {
    while (this.#sending) await this.#sending;
  }

  async #flush(): Promise<void> {
    // let the enqueues of this tick join the first notification
    await new Promise((resolve) => setImmediate(resolve));
    try {
      while (this.#pending.size > 0 || this.#earliest !== Number.POSITIVE_INFINITY) {
        const payloads = [...this.#pending];
        if (this.#earliest !== Number.POSITIVE_INFINITY) payloads.push(`d:${this.#earliest}`);
        this.#pending.clear();
        this.#earliest = Number.POSITIVE_INFINITY;
        try {
          await this.#deps.db.query(
            'notify workers',
            'SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload',
            [this.#deps.channel, payloads],
            { wait: this.#deps.wait, prepare: true },
          );
        } catch {
          // workers still find the jobs at their next poll (`pollInterval`)
        }
      }
    } finally {
      this.#sending = undefined;
    }
  }
}
