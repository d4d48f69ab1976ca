import type { ServerResponse } from 'node:http';
import { AsyncError } from '../errors.js';

const noop = () => {};

/** One request being handled: its response, and how to abort its `request.signal`. */
export interface InFlight {
  abort(reason: unknown): void;
  res: ServerResponse;
}

/** The requests a server is handling, and whether it is shutting down. */
export class InFlightRequests {
  readonly #entries = new Set<InFlight>();
  #drained: (() => void) | undefined;
  /** Set by shutdown: responses from now on close their connection. */
  closing = false;

  get size(): number {
    return this.#entries.size;
  }

  /** Tracks `res` until it closes; a client that leaves before the end aborts the request. */
  track(res: ServerResponse): InFlight {
    const entry: InFlight = { abort: noop, res };
    this.#entries.add(entry);
    res.once('close', () => {
      if (!res.writableFinished) entry.abort(new AsyncError('ERR_ABORTED', 'client disconnected'));
      this.#entries.delete(entry);
      if (this.#entries.size === 0) this.#drained?.();
    });
    return entry;
  }

  /** Resolves once no request is in flight. */
  drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.#entries.size === 0) resolve();
      else this.#drained = resolve;
    });
  }

  /** Aborts every request still in flight with `reason`. */
  abortAll(reason: unknown): void {
    for (const entry of this.#entries) entry.abort(reason);
  }
}
