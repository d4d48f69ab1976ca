import { randomUUID } from 'node:crypto';
import { createTaskApp } from '@adv/tasks';
import { postgresBackend } from '@adv/tasks/postgres';
import { Logger, run as runGraphile } from 'graphile-worker';
import { Pool } from 'pg';
import PgBoss from 'pg-boss';
import { startPostgres } from '../../scripts/test-services.js';
import { percentile } from '../lib/ops.js';
import type { BenchRow } from '../lib/report.js';
import {
  CONCURRENCY,
  doneWhen,
  enqueueAll,
  type Feed,
  type RunResult,
  runTaskApp,
  stopwatch,
} from '../lib/task-runs.js';

/**
 * PostgreSQL task queues side by side on one throwaway server: @adv/tasks `postgresBackend`,
 * pg-boss 10.4 (the newest line on Node 20) and Graphile Worker 0.16 (the same). Every side
 * runs 10,000 no-op tasks (300 in quick mode) with 16 jobs at once in this process, enqueued
 * one by one, 64 enqueues in flight, as request handlers would; each row keeps a side's
 * fastest of three rounds. `--tasks-postgres-cases=ours,pgboss,graphile` picks sides.
 */

/** The steady rate of the latency rows: below every side's capacity on 2 busy cores. */
const RATE = 200;

/** A steady `rate` per second, one enqueue at a time on schedule (latency then measures a system that keeps up). */
const paced =
  (rate: number): Feed =>
  async (count, enqueue) => {
    const start = performance.now();
    const sent: Promise<unknown>[] = [];
    for (let index = 0; index < count; index++) {
      const wait = start + (index * 1000) / rate - performance.now();
      if (wait > 1) await new Promise((resolve) => setTimeout(resolve, wait));
      sent.push(enqueue(performance.now()));
    }
    await Promise.all(sent);
  };

function ours(url: string, count: number, feed: Feed = enqueueAll): Promise<RunResult> {
  const schema = `bench_ours_${randomUUID().slice(0, 8)}`;
  return runTaskApp(createTaskApp({ backend: postgresBackend({ connectionString: url, schema }) }), count, feed);
}

/**
 * pg-boss polls (at least every 0.5 s; no LISTEN/NOTIFY in 10.x). Its best setting for many
 * small jobs here: 16 `work()` loops fetching 16 jobs each at the shortest interval, each
 * batch run in parallel (measured better than 16 loops of one job and one loop of 256).
 */
async function pgBoss(url: string, count: number, feed: Feed = enqueueAll): Promise<RunResult> {
  const done = doneWhen(count);
  const schema = `bench_pgboss_${randomUUID().slice(0, 8)}`;
  const boss = new PgBoss({ connectionString: url, schema, max: 20, supervise: false, schedule: false });
  boss.on('error', () => {});
  await boss.start();
  const queue = 'noop';
  await boss.createQueue(queue);
  for (let worker = 0; worker < CONCURRENCY; worker++) {
    await boss.work<{ sentAt: number }>(queue, { batchSize: 16, pollingIntervalSeconds: 0.5 }, async (jobs) => {
      await Promise.all(jobs.map(async (job) => done.record(job.data.sentAt)));
    });
  }
  const stop = stopwatch();
  await feed(count, (sentAt) => boss.send(queue, { sentAt }));
  await done.all;
  const measured = stop(count);
  await boss.stop({ graceful: false, wait: true, timeout: 5000 });
  return { ...measured, latencies: done.latencies };
}

async function graphile(url: string, count: number, feed: Feed = enqueueAll): Promise<RunResult> {
  const done = doneWhen(count);
  const schema = `bench_graphile_${randomUUID().slice(0, 8)}`;
  const pool = new Pool({ connectionString: url, max: 20 });
  pool.on('error', () => {}); // the server stops at the end of the suite
  const runner = await runGraphile({
    pgPool: pool,
    schema,
    concurrency: CONCURRENCY,
    noHandleSignals: true,
    pollInterval: 2000,
    logger: new Logger(() => () => {}), // its default logs a line per job
    taskList: {
      noop: async (payload) => {
        done.record((payload as { sentAt: number }).sentAt);
      },
    },
  });
  const stop = stopwatch();
  await feed(count, (sentAt) => runner.addJob('noop', { sentAt }));
  await done.all;
  const measured = stop(count);
  await runner.stop();
  await pool.end();
  return { ...measured, latencies: done.latencies };
}

const SIDES = {
  ours: { name: '@adv/tasks postgresBackend', run: ours },
  pgboss: { name: 'pg-boss 10.4', run: pgBoss },
  graphile: { name: 'Graphile Worker 0.16', run: graphile },
} as const;

function rows(
  count: number,
  results: Map<keyof typeof SIDES, RunResult>,
  steady: Map<keyof typeof SIDES, RunResult>,
  rate: number,
): BenchRow[] {
  const mine = results.get('ours');
  const mineSteady = steady.get('ours');
  const out: BenchRow[] = [];
  const tasks = count.toLocaleString('en-US');
  for (const [key, peer] of results) {
    if (key === 'ours' || !mine) continue;
    const peerName = SIDES[key].name;
    const base = { suite: 'tasks', ours: { name: SIDES.ours.name, value: 0 }, peer: { name: peerName, value: 0 } };
    out.push(
      {
        ...base,
        case: `postgres vs ${peerName}: ${tasks} no-op tasks, enqueue + process (concurrency ${CONCURRENCY})`,
        unit: 'tasks/s',
        higherIsBetter: true,
        ours: { name: SIDES.ours.name, value: mine.throughput },
        peer: { name: peerName, value: peer.throughput },
        note: key === 'graphile' ? 'goal >= 0.67x' : 'goal > 1x',
      },
      {
        ...base,
        case: `postgres vs ${peerName}: CPU time of this process per task`,
        unit: 'µs',
        higherIsBetter: false,
        ours: { name: SIDES.ours.name, value: mine.cpuPerTask },
        peer: { name: peerName, value: peer.cpuPerTask },
      },
      ...[50, 99].map((p) => ({
        ...base,
        case: `postgres vs ${peerName}: enqueue-to-start latency p${p}`,
        unit: 'ms',
        higherIsBetter: false,
        ours: { name: SIDES.ours.name, value: percentile(mine.latencies, p) },
        peer: { name: peerName, value: percentile(peer.latencies, p) },
      })),
    );
    const peerSteady = steady.get(key);
    if (!mineSteady || !peerSteady) continue;
    out.push(
      ...[50, 99].map((p) => ({
        ...base,
        case: `postgres vs ${peerName}: enqueue-to-start latency p${p} at a steady ${rate} tasks/s`,
        unit: 'ms',
        higherIsBetter: false,
        ours: { name: SIDES.ours.name, value: percentile(mineSteady.latencies, p) },
        peer: { name: peerName, value: percentile(peerSteady.latencies, p) },
      })),
    );
  }
  return out;
}

export async function run({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const countFlag = process.argv.find((arg) => arg.startsWith('--tasks-postgres-count='));
  const count = countFlag ? Number(countFlag.split('=')[1]) : quick ? 300 : 10_000;
  const rounds = quick ? 1 : 3;
  const flag = process.argv.find((arg) => arg.startsWith('--tasks-postgres-cases='));
  const sides = (flag?.slice('--tasks-postgres-cases='.length) ?? 'ours,pgboss,graphile').split(
    ',',
  ) as (keyof typeof SIDES)[];
  const server = await startPostgres();
  const results = new Map<keyof typeof SIDES, RunResult>();
  const steady = new Map<keyof typeof SIDES, RunResult>();
  try {
    for (const side of sides) await SIDES[side].run(server.url, Math.min(count, 500)); // warm-up
    for (let round = 0; round < rounds; round++) {
      for (const side of sides) {
        const result = await SIDES[side].run(server.url, count);
        const best = results.get(side);
        console.log(
          `tasks-postgres: ${SIDES[side].name} round ${round + 1}: ${result.throughput.toFixed(0)} tasks/s, p50 ${percentile(result.latencies, 50).toFixed(1)} ms, p99 ${percentile(result.latencies, 99).toFixed(1)} ms, ${result.cpuPerTask.toFixed(0)} µs CPU/task`,
        );
        results.set(side, {
          ...(best && best.throughput >= result.throughput ? best : result),
          cpuPerTask: Math.min(best?.cpuPerTask ?? Number.POSITIVE_INFINITY, result.cpuPerTask),
        });
      }
    }
    // start latency when the system keeps up: one paced run per side
    for (const side of sides) {
      const result = await SIDES[side].run(server.url, quick ? 100 : 2000, paced(RATE));
      console.log(
        `tasks-postgres: ${SIDES[side].name} at ${RATE}/s: p50 ${percentile(result.latencies, 50).toFixed(1)} ms, p99 ${percentile(result.latencies, 99).toFixed(1)} ms`,
      );
      steady.set(side, result);
    }
  } finally {
    await server.stop();
  }
  return rows(count, results, steady, RATE);
}
