import type { PgPoolClientLike } from './connection.js';

/** A connection to LISTEN on, and how to let it go. */
export interface ListenConnection {
  client: PgPoolClientLike;
  /** Closes (or returns) it; with an error, it is dropped rather than reused. */
  dispose(error?: Error): void;
}

interface ListenerOptions {
  open(): Promise<ListenConnection>;
  channel: string;
  onNotify(payload: string): void;
  /** Called after every (re)connection: notifications sent meanwhile were missed. */
  onConnected(): void;
  onError(error: unknown): void;
  /** Longest pause between reconnection attempts (ms). */
  maxBackoff: number;
  /** Bound of one connection attempt (ms). */
  connectTimeout: number;
}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

/**
 * One dedicated connection that LISTENs on the queue's channel, reconnecting with backoff when
 * it is lost (the server restarted, say), for as long as the worker runs.
 */
export class PgListener {
  readonly #options: ListenerOptions;
  #connection: ListenConnection | undefined;
  #closed = false;
  #retry: NodeJS.Timeout | undefined;
  #backoff = 100;
  /** Whether the current outage was already reported (one error per outage, not per attempt). */
  #reported = false;

  constructor(options: ListenerOptions) {
    this.#options = options;
  }

  /** Connects and LISTENs; rejects when the first attempt fails (later ones retry by themselves). */
  async start(): Promise<void> {
    await this.#connect();
  }

  async #connect(): Promise<void> {
    const { open, channel, connectTimeout } = this.#options;
    let timer: NodeJS.Timeout | undefined;
    const opening = open();
    const raw = await Promise.race([
      opening,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`LISTEN connection not open within ${connectTimeout} ms`)),
          connectTimeout,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const { client } = raw;
    let lost = false;
    let disposed = false;
    const onError = (error: Error) => onLost(error);
    const onEnd = () => onLost();
    const onNotification = (message: { channel: string; payload?: string | undefined }) => {
      if (message.channel === channel) this.#options.onNotify(message.payload ?? '');
    };
    // once only, and without our listeners: a pooled connection goes back to its pool clean
    const connection: ListenConnection = {
      client,
      dispose: (error) => {
        if (disposed) return;
        disposed = true;
        client.off('error', onError);
        client.off('end', onEnd);
        client.off('notification', onNotification);
        if (error) client.on('error', () => {}); // a late socket error of the broken connection we drop
        raw.dispose(error);
      },
    };
    if (this.#closed) {
      connection.dispose();
      return;
    }
    const onLost = (error?: Error) => {
      if (lost) return;
      lost = true;
      if (this.#connection === connection) this.#connection = undefined;
      connection.dispose(error ?? new Error('LISTEN connection ended'));
      if (!this.#closed) {
        if (!this.#reported) this.#options.onError(error ?? new Error('LISTEN connection to PostgreSQL ended'));
        this.#reported = true;
        this.#schedule();
      }
    };
    client.on('error', onError);
    client.on('end', onEnd);
    client.on('notification', onNotification);
    try {
      await client.query(`LISTEN ${quote(channel)}`);
    } catch (error) {
      onLost(error as Error);
      throw error;
    }
    this.#connection = connection;
    this.#backoff = 100;
    this.#reported = false;
    this.#options.onConnected();
  }

  #schedule(): void {
    if (this.#closed || this.#retry) return;
    const delay = this.#backoff;
    this.#backoff = Math.min(this.#backoff * 2, this.#options.maxBackoff);
    this.#retry = setTimeout(() => {
      this.#retry = undefined;
      this.#connect().catch((error: unknown) => {
        if (!this.#reported) this.#options.onError(error);
        this.#reported = true;
        this.#schedule();
      });
    }, delay);
  }

  /** Whether LISTEN is in place now. */
  get connected(): boolean {
    return this.#connection !== undefined;
  }

  close(): void {
    this.#closed = true;
    clearTimeout(this.#retry);
    const connection = this.#connection;
    this.#connection = undefined;
    if (!connection) return;
    // UNLISTEN before returning a pooled connection, so its next user gets none of our notifications
    connection.client.query('UNLISTEN *').then(
      () => connection.dispose(),
      (error: Error) => connection.dispose(error),
    );
  }
}
