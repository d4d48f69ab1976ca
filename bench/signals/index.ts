import { EventEmitter } from 'node:events';
import { signal } from '@adv/signals';
import mitt from 'mitt';
import { measureOps, percentile } from '../lib/ops.js';
import type { BenchRow } from '../lib/report.js';
import { measureAfterAtomic, summary } from './after-atomic.js';

class Article {}
type SavedArgs = { sender: typeof Article; id: number };

/**
 * Runs the tasks in several short rounds, rotating their order, and keeps each task's median
 * ops/s: on a shared 2-core machine, load that comes and goes otherwise lands on whichever
 * task happens to be running and swings a single 1-second run's ratios by 3x either way.
 */
async function measureRounds(
  tasks: Record<string, () => unknown>,
  quick: boolean,
  rounds: Record<string, number[]> = {},
): Promise<Record<string, number>> {
  const names = Object.keys(tasks);
  const samples = rounds;
  for (const name of names) samples[name] = [];
  // Warm every task up first, so the one measured first is not the one paying for the JIT.
  for (const name of names) for (let index = 0; index < 5000; index++) await tasks[name]!();
  const count = quick ? 1 : 7;
  for (let round = 0; round < count; round++) {
    const order = names.map((_, index) => names[(index + round) % names.length]!);
    const ops = await measureOps(Object.fromEntries(order.map((name) => [name, tasks[name]!])), {
      quick,
      time: quick ? 100 : 250,
    });
    for (const name of names) samples[name]!.push(ops[name] ?? Number.NaN);
  }
  return Object.fromEntries(names.map((name) => [name, percentile(samples[name]!, 50)]));
}

/**
 * One send to 1, 10 and 100 receivers: ours filters by sender (every receiver is connected
 * with `{ sender: Article }`) and returns `[receiver, result][]`; mitt and EventEmitter just
 * call their handlers and drop the results. Same receiver body everywhere.
 */
export async function run({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  let sink = 0;
  for (const count of [1, 10, 100]) {
    const saved = signal<SavedArgs, number>({ name: 'saved' });
    const emitter = mitt<{ saved: { id: number } }>();
    const events = new EventEmitter();
    events.setMaxListeners(0);
    for (let index = 0; index < count; index++) {
      // A fresh closure per receiver, as in an app where each module connects its own.
      saved.connect(({ id }) => id + index, { sender: Article });
      emitter.on('saved', ({ id }) => {
        sink += id + index;
      });
      events.on('saved', ({ id }: { id: number }) => {
        sink += id + index;
      });
    }
    const samples: Record<string, number[]> = {};
    const ops = await measureRounds(
      {
        signal: () => {
          sink += saved.send(Article, { id: 1 }).length;
        },
        emit: () => {
          sink += saved.emit(Article, { id: 1 });
        },
        mitt: () => emitter.emit('saved', { id: 1 }),
        eventEmitter: () => events.emit('saved', { id: 1 }),
      },
      quick,
      samples,
    );
    const ours = { name: 'Signal.send (sender filter + results)', value: ops.signal ?? Number.NaN };
    rows.push(
      {
        suite: 'signals',
        case: `send to ${count} receiver${count === 1 ? '' : 's'}`,
        unit: 'ops/s',
        higherIsBetter: true,
        ours,
        peer: { name: 'mitt emit', value: ops.mitt ?? Number.NaN },
        note: `goal: >= 0.8x (#18); ${ratioRange(samples, 'signal', 'mitt')}`,
      },
      {
        suite: 'signals',
        case: `send to ${count} receiver${count === 1 ? '' : 's'}`,
        unit: 'ops/s',
        higherIsBetter: true,
        ours,
        peer: { name: 'EventEmitter emit', value: ops.eventEmitter ?? Number.NaN },
      },
      {
        suite: 'signals',
        case: `send to ${count} receiver${count === 1 ? '' : 's'}, no results`,
        unit: 'ops/s',
        higherIsBetter: true,
        ours: { name: 'Signal.emit (sender filter, count only)', value: ops.emit ?? Number.NaN },
        peer: { name: 'mitt emit', value: ops.mitt ?? Number.NaN },
        note: `goal: >= 0.8x; ${ratioRange(samples, 'emit', 'mitt')}`,
      },
    );
  }
  rows.push(await asendRow(quick));
  rows.push(afterAtomicRow(quick));
  if (sink === -1) console.log('unreachable: keeps the receivers from being optimized away');
  return rows;
}

/**
 * asend to 10 async receivers, awaited concurrently, beside what a user writes with an
 * EventEmitter for async listeners: `Promise.all(emitter.listeners(name).map(...))`.
 */
async function asendRow(quick: boolean): Promise<BenchRow> {
  const saved = signal<SavedArgs, number>({ name: 'saved' });
  const events = new EventEmitter();
  for (let index = 0; index < 10; index++) {
    saved.connect(async ({ id }) => id + index, { sender: Article });
    events.on('saved', async ({ id }: { id: number }) => id + index);
  }
  const ops = await measureRounds(
    {
      signal: () => saved.asend(Article, { id: 1 }),
      eventEmitter: () =>
        Promise.all(
          events
            .listeners('saved')
            .map((listener) => (listener as (event: { id: number }) => Promise<number>)({ id: 1 })),
        ),
    },
    quick,
  );
  return {
    suite: 'signals',
    case: 'asend to 10 async receivers',
    unit: 'ops/s',
    higherIsBetter: true,
    ours: { name: 'Signal.asend (sender filter + results)', value: ops.signal ?? Number.NaN },
    peer: { name: 'EventEmitter + Promise.all(listeners)', value: ops.eventEmitter ?? Number.NaN },
  };
}

/**
 * Promise-heavy work (a request-shaped chain of awaits inside a request-context
 * AsyncLocalStorage) in a process where one `atomic()` ran at startup, beside the same work in
 * a process where no transaction ever ran: the transaction context must not tax every later
 * promise. Fresh processes, interleaved rounds, CPU time per iteration.
 */
function afterAtomicRow(quick: boolean): BenchRow {
  const samples = measureAfterAtomic(
    [
      ['none', 'none', undefined],
      ['after', 'after', undefined],
    ],
    quick ? 1 : 7,
  );
  const perSecond = (values: number[]) => 1e9 / percentile(values, 50);
  return {
    suite: 'signals',
    case: 'promise-heavy work after one atomic() ran',
    unit: 'iterations/s (CPU)',
    higherIsBetter: true,
    ours: { name: 'after one atomic()', value: perSecond(samples.after!) },
    peer: { name: 'no transaction ever ran', value: perSecond(samples.none!) },
    note: `goal: ~1.00x; CPU per iteration ${summary(samples.after!)} vs ${summary(samples.none!)}`,
  };
}

/** Median and range of the per-round ratio ours / peer (each round measured both, back to back). */
function ratioRange(samples: Record<string, number[]>, ours: string, peer: string): string {
  const ratios = samples[ours]!.map((value, round) => value / samples[peer]![round]!).filter(Number.isFinite);
  if (ratios.length === 0) return 'no rounds';
  const fixed = (value: number) => value.toFixed(2);
  return `per-round ratio median ${fixed(percentile(ratios, 50))}x, range ${fixed(Math.min(...ratios))}–${fixed(Math.max(...ratios))}x over ${ratios.length} rounds`;
}
