import { describe, expect, it } from 'vitest';
import { RunQueue } from '../src/memory/run-queue.js';

/** A queue whose runs wait until released, recording the order they start in. */
function recording(concurrency: number) {
  const started: string[] = [];
  const release = new Map<string, () => void>();
  const queue = new RunQueue<string>(
    (item) =>
      new Promise<void>((resolve, reject) => {
        started.push(item);
        release.set(item, item.startsWith('bad') ? () => reject(new Error(item)) : resolve);
      }),
  );
  queue.concurrency = concurrency;
  return { queue, started, release: (item: string) => release.get(item)?.() };
}

describe('memory backend run queue', () => {
  it('waits for start(), then runs the lowest priority number first, first in first out among equals', async () => {
    const { queue, started, release } = recording(1);
    queue.push('p2', 2);
    queue.push('a', 0);
    queue.push('p1', 1);
    queue.push('b', 0);
    queue.push('p2-second', 2);
    expect(started).toEqual([]);
    expect(queue.size).toBe(5);
    queue.start();
    for (const item of ['a', 'b', 'p1', 'p2', 'p2-second']) {
      expect(started.at(-1)).toBe(item);
      release(item);
      await new Promise((resolve) => setImmediate(resolve)); // let the settled run free its slot
    }
    expect(started).toEqual(['a', 'b', 'p1', 'p2', 'p2-second']);
    expect(queue.size).toBe(0);
  });

  it('runs at most `concurrency` at once; a rejected run frees its slot too', async () => {
    const { queue, started, release } = recording(2);
    queue.start();
    for (const item of ['bad-1', 'x', 'y', 'z']) queue.push(item, 0);
    expect(started).toEqual(['bad-1', 'x']);
    release('bad-1');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['bad-1', 'x', 'y']);
    release('x');
    release('y');
    await new Promise((resolve) => setImmediate(resolve));
    expect(started).toEqual(['bad-1', 'x', 'y', 'z']);
    const idle = queue.onIdle();
    release('z');
    await idle;
  });

  it('clear() drops waiting items and onIdle() resolves once the running ones end', async () => {
    const { queue, started, release } = recording(1);
    queue.start();
    queue.push('running', 0);
    queue.push('dropped', 0);
    queue.push('dropped-too', 3);
    queue.clear();
    expect(queue.size).toBe(0);
    let idle = false;
    const done = queue.onIdle().then(() => {
      idle = true;
    });
    await new Promise((resolve) => setImmediate(resolve));
    expect(idle).toBe(false);
    release('running');
    await done;
    expect(started).toEqual(['running']);
    queue.push('after', 0); // still usable after a clear
    expect(started).toEqual(['running', 'after']);
  });

  it('keeps FIFO order across many items (the head index compacts the array)', async () => {
    const order: number[] = [];
    const queue = new RunQueue<number>(async (item) => {
      order.push(item);
    });
    for (let n = 0; n < 5000; n++) queue.push(n, 0);
    queue.start();
    await queue.onIdle();
    expect(order).toEqual(Array.from({ length: 5000 }, (_, n) => n));
  });
});
