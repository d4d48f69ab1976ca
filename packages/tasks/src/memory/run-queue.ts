/**
 * The memory backend's run queue: waiting items by priority (the lowest number first, first in
 * first out among equals), run at most `concurrency` at once, once `start()` was called.
 *
 * Hand-written rather than p-queue because it is on the path of every job: p-queue's `add()`
 * allocates an options copy, an id string, a Symbol, two promises, three closures and a
 * running-task record per job and emits four events, which cost the memory backend about half of
 * its throughput (`bench/tasks`, profile in the commit message). This does one array push per
 * job and calls one bound function per start.
 */

interface Bucket<T> {
  items: (T | undefined)[];
  /** Index of the oldest waiting item: a FIFO array whose shifted slots are cleared, not moved. */
  head: number;
}

export class RunQueue<T> {
  /** Items run at once (at least 1). */
  concurrency = 1;
  readonly #run: (item: T) => Promise<void>;
  #started = false;
  #paused = false;
  #running = 0;
  #size = 0;
  readonly #buckets = new Map<number, Bucket<T>>();
  /** The priorities of `#buckets`, ascending. */
  #priorities: number[] = [];
  #idle: (() => void)[] = [];

  /** @param run - runs one item; its promise settling frees the slot (a rejection is ignored). */
  constructor(run: (item: T) => Promise<void>) {
    this.#run = run;
  }

  /** Items waiting for a slot. */
  get size(): number {
    return this.#size;
  }

  /** Queues `item` behind every item of the same or a lower priority number, and starts it if a slot is free. */
  push(item: T, priority: number): void {
    let bucket = this.#buckets.get(priority);
    if (bucket === undefined) {
      bucket = { items: [], head: 0 };
      this.#buckets.set(priority, bucket);
      const priorities = this.#priorities;
      let at = priorities.length;
      while (at > 0 && priorities[at - 1]! > priority) at -= 1;
      priorities.splice(at, 0, priority);
    }
    bucket.items.push(item);
    this.#size += 1;
    this.#drain();
  }

  /** Starts running items (until then they only wait). */
  start(): void {
    this.#started = true;
    this.#drain();
  }

  /** Whether starts are paused. */
  get paused(): boolean {
    return this.#paused;
  }

  /** Starts nothing more until `resume()`; running items go on. */
  pause(): void {
    this.#paused = true;
  }

  /** Starts items again after `pause()`. */
  resume(): void {
    this.#paused = false;
    this.#drain();
  }

  /** Drops every waiting item; running ones go on. */
  clear(): void {
    this.#buckets.clear();
    this.#priorities = [];
    this.#size = 0;
    this.#settleIdle();
  }

  /** Resolves once nothing waits and nothing runs. */
  onIdle(): Promise<void> {
    if (this.#running === 0 && this.#size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idle.push(resolve));
  }

  #drain(): void {
    while (this.#started && !this.#paused && this.#running < this.concurrency && this.#size > 0) {
      const item = this.#shift();
      this.#running += 1;
      this.#run(item).then(this.#finished, this.#finished);
    }
  }

  /** One bound function for every run, rather than a closure per item. */
  readonly #finished = (): void => {
    this.#running -= 1;
    this.#drain();
    this.#settleIdle();
  };

  #settleIdle(): void {
    if (this.#running !== 0 || this.#size !== 0 || this.#idle.length === 0) return;
    const idle = this.#idle;
    this.#idle = [];
    for (const resolve of idle) resolve();
  }

  /** The oldest item of the lowest priority number; only called when `#size > 0`. */
  #shift(): T {
    const priorities = this.#priorities;
    for (let index = 0; index < priorities.length; index++) {
      const priority = priorities[index]!;
      const bucket = this.#buckets.get(priority)!;
      if (bucket.head === bucket.items.length) continue;
      const item = bucket.items[bucket.head] as T;
      bucket.items[bucket.head] = undefined;
      bucket.head += 1;
      this.#size -= 1;
      if (bucket.head === bucket.items.length) {
        if (priority === 0) {
          bucket.items.length = 0; // the common bucket stays, emptied
          bucket.head = 0;
        } else {
          this.#buckets.delete(priority);
          priorities.splice(index, 1);
        }
      } else if (bucket.head >= 1024 && bucket.head * 2 >= bucket.items.length) {
        bucket.items = bucket.items.slice(bucket.head);
        bucket.head = 0;
      }
      return item;
    }
    throw new Error('RunQueue: #shift() on an empty queue'); // unreachable while #size is kept right
  }
}
