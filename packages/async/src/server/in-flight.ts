import type { ServerResponse } from 'node:http';
import { AsyncError } from '../errors.js';

/** Where a response keeps its entry, so one shared `close` listener serves every request. */
const ENTRY = Symbol('adv.inFlight');

/**
 * One request being handled: its response, and its `request.signal`, made only if something
 * reads it (an `AbortController` per request is a real share of a hello-world response).
 */
export class InFlight {
  readonly res: ServerResponse;
  readonly requests: InFlightRequests;
  /** Neighbours in the server's list of tracked requests (see `InFlightRequests`). */
  previous: InFlight | undefined = undefined;
  next: InFlight | undefined = undefined;
  /** Whether the entry is still in that list. */
  tracked = true;
  #controller: AbortController | undefined;
  #aborted: { reason: unknown } | undefined;

  constructor(res: ServerResponse, requests: InFlightRequests) {
    this.res = res;
    this.requests = requests;
  }

  /** Aborts the request's signal (now, or when it is first read); later calls do nothing. */
  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = { reason };
    this.#controller?.abort(reason);
  }

  /** The request's `signal` (see `SignalSource` in lazy-request.ts). */
  signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#aborted.reason);
    }
    return this.#controller.signal;
  }
}

/** The one `close` listener of every tracked response (`this` is the response). */
function onResponseClose(this: ServerResponse & { [ENTRY]?: InFlight | undefined }): void {
  const entry = this[ENTRY];
  if (entry === undefined) return;
  this[ENTRY] = undefined;
  if (!this.writableFinished) entry.abort(new AsyncError('ERR_ABORTED', 'client disconnected'));
  entry.requests.untrack(entry);
}

/**
 * The requests a server is handling, and whether it is shutting down. Kept as a doubly linked
 * list through the entries themselves: a `Set` costs a hash per entry and, as the number in
 * flight swings between 0 and a few, rehashes on add and delete (2.6% of a hello-world
 * `serve()` CPU profile went to `untrack`'s `Set#delete`).
 */
export class InFlightRequests {
  #first: InFlight | undefined;
  #size = 0;
  #drained: (() => void) | undefined;
  /** Set by shutdown: responses from now on close their connection. */
  closing = false;

  get size(): number {
    return this.#size;
  }

  /**
   * Tracks `res` from the start of its request. Call {@link settle} once the request listener's
   * synchronous part is over.
   */
  track(res: ServerResponse): InFlight {
    const entry = new InFlight(res, this);
    const first = this.#first;
    if (first !== undefined) {
      entry.next = first;
      first.previous = entry;
    }
    this.#first = entry;
    this.#size += 1;
    return entry;
  }

  /**
   * After the request listener's synchronous part: a response already handed to the socket in
   * full (`writableFinished`: a lazy response written from memory) is forgotten at once, with
   * no `close` listener (an add and an emit per request of a hello world); any other (a promise,
   * a stream, a response queued behind a pipelined one, a socket under backpressure) is tracked
   * until it closes, and a client that leaves before the end aborts the request.
   */
  settle(entry: InFlight): void {
    const res = entry.res as ServerResponse & { [ENTRY]?: InFlight | undefined };
    if (res.writableFinished) {
      this.untrack(entry);
      return;
    }
    res[ENTRY] = entry;
    res.on('close', onResponseClose);
  }

  /** Forgets a closed response's entry (once; a second call does nothing). */
  untrack(entry: InFlight): void {
    if (!entry.tracked) return;
    entry.tracked = false;
    const { previous, next } = entry;
    if (previous === undefined) this.#first = next;
    else previous.next = next;
    if (next !== undefined) next.previous = previous;
    entry.previous = undefined;
    entry.next = undefined;
    this.#size -= 1;
    if (this.#size === 0) this.#drained?.();
  }

  /** Resolves once no request is in flight. */
  drained(): Promise<void> {
    return new Promise<void>((resolve) => {
      if (this.#size === 0) resolve();
      else this.#drained = resolve;
    });
  }

  /** Aborts every request still in flight with `reason`. */
  abortAll(reason: unknown): void {
    // A copy first: an abort listener may end a response and so change the list.
    const entries: InFlight[] = [];
    for (let entry = this.#first; entry !== undefined; entry = entry.next) entries.push(entry);
    for (const entry of entries) entry.abort(reason);
  }
}
