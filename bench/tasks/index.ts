import { randomUUID } from 'node:crypto';
import { createTaskApp, memoryBackend } from '@adv/tasks';
import { bullmqBackend } from '@adv/tasks/bullmq';
import { Queue, Worker } from 'bullmq';
import PQueue from 'p-queue';
import { startRedis } from '../../scripts/test-services.js';
import { percentile } from '../lib/ops.js';
import type { BenchRow } from '../lib/report.js';

/** One run: tasks/s from the first enqueue to the last completion, and each task's enqueue-to-done latency (ms). */
interface RunResult {
  throughput: number;
  latencies: number[];
  /** This process's CPU time (user + system) per task, in µs: steadier than wall time on a busy machine. */
  cpuPerTask: number;
}

/** Starts a measurement: call the result with the task count once all tasks are done. */
function stopwatch(): (count: number) => { throughput: number; cpuPerTask: number } {
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

const CONCURRENCY = 16;
/** Enqueues in flight at once, as many request handlers would. */
const IN_FLIGHT = 64;

async function enqueueAll(count: number, enqueue: (sentAt: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: IN_FLIGHT }, async () => {
      while (next < count) {
        next += 1;
        await enqueue(performance.now());
      }
    }),
  );
}

function doneWhen(count: number): { record: (sentAt: number) => void; all: Promise<void>; latencies: number[] } {
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

async function oursOnBullmq(url: string, count: number): Promise<RunResult> {
  const done = doneWhen(count);
  const app = createTaskApp({ backend: bullmqBackend({ connection: url, queueName: `bench-ours-${randomUUID()}` }) });
  const noop = app.defineTask('noop', ({ sentAt }: { sentAt: number }) => {
    done.record(sentAt);
  });
  await app.process({ concurrency: CONCURRENCY });
  const stop = stopwatch();
  await enqueueAll(count, (sentAt) => noop.enqueue({ sentAt }));
  await done.all;
  const measured = stop(count);
  await app.close();
  return { ...measured, latencies: done.latencies };
}

async function rawBullmq(url: string, count: number): Promise<RunResult> {
  const done = doneWhen(count);
  const name = `bench-raw-${randomUUID()}`;
  const connection = { url, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  const worker = new Worker(
    name,
    async (job) => {
      done.record((job.data as { sentAt: number }).sentAt);
    },
    { connection, concurrency: CONCURRENCY },
  );
  await worker.waitUntilReady();
  const options = { attempts: 1, removeOnComplete: { count: 1000 }, removeOnFail: { count: 5000 } };
  const stop = stopwatch();
  await enqueueAll(count, (sentAt) => queue.add('noop', { sentAt }, options));
  await done.all;
  const measured = stop(count);
  await worker.close();
  await queue.close();
  return { ...measured, latencies: done.latencies };
}

async function oursInMemory(count: number): Promise<RunResult> {
  const done = doneWhen(count);
  const app = createTaskApp({ backend: memoryBackend() });
  const noop = app.defineTask('noop', ({ sentAt }: { sentAt: number }) => {
    done.record(sentAt);
  });
  await app.process({ concurrency: CONCURRENCY });
  const stop = stopwatch();
  await enqueueAll(count, (sentAt) => noop.enqueue({ sentAt }));
  await done.all;
  const measured = stop(count);
  await app.close();
  return { ...measured, latencies: done.latencies };
}

async function rawPQueue(count: number): Promise<RunResult> {
  const done = doneWhen(count);
  const queue = new PQueue({ concurrency: CONCURRENCY });
  const stop = stopwatch();
  await enqueueAll(count, async (sentAt) => {
    void queue.add(async () => done.record(sentAt));
  });
  await done.all;
  const measured = stop(count);
  await queue.onIdle();
  return { ...measured, latencies: done.latencies };
}

function rows(
  label: string,
  count: number,
  ours: RunResult,
  oursName: string,
  peer: RunResult,
  peerName: string,
  note?: string,
): BenchRow[] {
  const base = { suite: 'tasks', ours: { name: oursName, value: 0 }, peer: { name: peerName, value: 0 } };
  const tasks = count.toLocaleString('en-US');
  return [
    {
      ...base,
      case: `${label}: ${tasks} no-op tasks, enqueue + process (concurrency ${CONCURRENCY})`,
      unit: 'tasks/s',
      higherIsBetter: true,
      ours: { name: oursName, value: ours.throughput },
      peer: { name: peerName, value: peer.throughput },
      ...(note ? { note } : {}),
    },
    {
      ...base,
      case: `${label}: CPU time of this process per task`,
      unit: 'µs',
      higherIsBetter: false,
      ours: { name: oursName, value: ours.cpuPerTask },
      peer: { name: peerName, value: peer.cpuPerTask },
    },
    ...[50, 99].map((p) => ({
      ...base,
      case: `${label}: enqueue-to-done latency p${p}`,
      unit: 'ms',
      higherIsBetter: false,
      ours: { name: oursName, value: percentile(ours.latencies, p) },
      peer: { name: peerName, value: percentile(peer.latencies, p) },
    })),
  ];
}

/**
 * 10,000 no-op tasks (far fewer in quick mode): @adv/tasks on BullMQ beside raw BullMQ with the
 * same concurrency and retention, and the memory backend beside a bare p-queue. Each pair runs
 * peer then ours, four times over (once in quick mode), and keeps each side's fastest round.
 * `--tasks-cases=memory` (or `bullmq`) on the command line runs one pair only.
 */
export async function run({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const count = quick ? 300 : 10_000;
  const rounds = quick ? 1 : 4;
  const flag = process.argv.find((arg) => arg.startsWith('--tasks-cases='));
  const cases = new Set((flag?.slice('--tasks-cases='.length) ?? 'bullmq,memory').split(','));
  // Noise on a shared machine only ever slows a run down: keep each side's fastest round.
  // CPU per task: the lowest round, for the same reason.
  const best = (a: RunResult | undefined, b: RunResult): RunResult => {
    const faster = a && a.throughput >= b.throughput ? a : b;
    return { ...faster, cpuPerTask: Math.min(a?.cpuPerTask ?? Number.POSITIVE_INFINITY, b.cpuPerTask) };
  };
  const result: BenchRow[] = [];
  if (cases.has('bullmq')) {
    const redis = await startRedis();
    try {
      await rawBullmq(redis.url, Math.min(count, 500)); // warm-up: Lua scripts loaded, JIT warm
      await oursOnBullmq(redis.url, Math.min(count, 500));
      let raw: RunResult | undefined;
      let ours: RunResult | undefined;
      for (let round = 0; round < rounds; round++) {
        raw = best(raw, await rawBullmq(redis.url, count));
        ours = best(ours, await oursOnBullmq(redis.url, count));
      }
      result.push(
        ...rows('bullmq', count, ours!, '@adv/tasks bullmqBackend', raw!, 'raw BullMQ Queue+Worker', 'goal >= 0.9x'),
      );
    } finally {
      await redis.stop();
    }
  }
  if (cases.has('memory')) {
    await oursInMemory(Math.min(count, 1000));
    await rawPQueue(Math.min(count, 1000));
    let pq: RunResult | undefined;
    let mem: RunResult | undefined;
    for (let round = 0; round < rounds; round++) {
      pq = best(pq, await rawPQueue(count));
      mem = best(mem, await oursInMemory(count));
    }
    result.push(...rows('memory', count, mem!, '@adv/tasks memoryBackend', pq!, 'raw p-queue'));
  }
  return result;
}
