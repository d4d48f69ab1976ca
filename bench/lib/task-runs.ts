import type { TaskApp } from '@adv/tasks';

// The measuring loop shared by bench/tasks and bench/tasks-postgres: every side runs the same
// no-op task, fed the same way, timed by the same stopwatch.

/** One run: tasks/s from the first enqueue to the last completion, and each task's enqueue-to-start latency (ms). */
export interface RunResult {
  throughput: number;
  latencies: number[];
  /** This process's CPU time (user + system) per task, in µs: steadier than wall time on a busy machine. */
  cpuPerTask: number;
}

/** Jobs each side runs at once. */
export const CONCURRENCY = 16;
/** Enqueues in flight at once, as many request handlers would. */
export const IN_FLIGHT = 64;

/** How a run enqueues: `enqueue` is called `count` times, each with the time its enqueue starts. */
export type Feed = (count: number, enqueue: (sentAt: number) => Promise<unknown>) => Promise<void>;

/** Starts a measurement: call the result with the task count once all tasks are done. */
export function stopwatch(): (count: number) => { throughput: number; cpuPerTask: number } {
  const cpu = process.cpuUsage();
  const started = performance.now();
  return (count) => {
    const used = process.cpuUsage(cpu);
    return {
      throughput: count / ((performance.now() - started) / 1000),
      cpuPerTask: (used.user + used.system) / count,
    };
  };
}

/** All at once, {@link IN_FLIGHT} enqueues in flight. */
export const enqueueAll: Feed = async (count, enqueue) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        next += 1;
        await enqueue(performance.now());
      }
    }),
  );
};

/** Resolves `all` once `record` has been called `count` times; keeps each latency. */
export function doneWhen(count: number): { record: (sentAt: number) => void; all: Promise<void>; latencies: number[] } {
  const latencies: number[] = [];
  let resolve!: () => void;
  const all = new Promise<void>((r) => {
    resolve = r;
  });
  return {
    latencies,
    all,
    record: (sentAt) => {
      latencies.push(performance.now() - sentAt);
      if (latencies.length === count) resolve();
    },
  };
}

/** `count` no-op tasks through an @adv/tasks app (any backend), {@link CONCURRENCY} at once, fed by `feed`. */
export async function runTaskApp(app: TaskApp, count: number, feed: Feed = enqueueAll): Promise<RunResult> {
  const done = doneWhen(count);
  const noop = app.defineTask('noop', ({ sentAt }: { sentAt: number }) => {
    done.record(sentAt);
  });
  await app.process({ concurrency: CONCURRENCY });
  const stop = stopwatch();
  await feed(count, (sentAt) => noop.enqueue({ sentAt }));
  await done.all;
  const measured = stop(count);
  await app.close();
  return { ...measured, latencies: done.latencies };
}
