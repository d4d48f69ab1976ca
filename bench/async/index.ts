/**
 * @adv/async benchmarks, each beside the peer a user would pick instead:
 * 1. HTTP requests/s and requests per server CPU-second with a trivial handler: `serve()`
 *    (returning `new Response()` with the lightweight global `Response`, the default; the same
 *    with `overrideGlobalResponse: false`; or `text()`) vs raw `node:http` vs Hono on
 *    @hono/node-server (autocannon in this process, each server in its own child process).
 *    targets.ts also has `raw-response` (raw `node:http` building an undici `new Response()`).
 * 2. Group broadcast delivery latency to N WebSocket clients (1,000; quick: 200): our memory
 *    and Redis channel layers vs Socket.IO rooms (in-memory and Redis adapters). Every client is
 *    a plain `ws` socket in this process (Socket.IO spoken over its WebSocket transport), so
 *    client-side costs are identical; latency runs from the HTTP trigger to each receipt.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { WebSocket } from 'ws';
import { hasBinary, startRedis } from '../../scripts/test-services.js';
import { percentile } from '../lib/ops.js';
import type { BenchRow } from '../lib/report.js';

const targets = fileURLToPath(new URL('./targets.ts', import.meta.url));

interface Target {
  port: number;
  /** CPU seconds (user + system) the target process has used so far; NaN where unknown. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

/** Clock ticks per second of /proc/<pid>/stat (Linux's USER_HZ is 100 on every common build). */
const USER_HZ = 100;

function processCpuSeconds(pid: number | undefined): number {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name: state is field 3, utime 14, stime 15.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / USER_HZ;
  } catch {
    return Number.NaN;
  }
}

async function startTarget(kind: string, env: Record<string, string> = {}): Promise<Target> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', targets, kind], {
    cwd: fileURLToPath(new URL('.', import.meta.url)),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /PORT (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`bench target ${kind} exited with ${code}`)));
  });
  return {
    port,
    cpuSeconds: () => processCpuSeconds(child.pid),
    async stop() {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/**
 * Requests/s of each target, and requests per CPU-second the server process spent (a measure of
 * server cost that holds up better than req/s when other processes compete for the CPU). The
 * servers run side by side and autocannon visits them in turn, round after round, so a burst of
 * load on a shared machine hits all of them alike; each value is the target's median round.
 */
async function httpThroughput(
  kinds: readonly string[],
  quick: boolean,
  rounds: number,
): Promise<{ rps: Samples; perCpuSecond: Samples }> {
  const running = await Promise.all(kinds.map((kind) => startTarget(kind)));
  const rps: Record<string, number[]> = Object.fromEntries(kinds.map((kind) => [kind, []]));
  const perCpu: Record<string, number[]> = Object.fromEntries(kinds.map((kind) => [kind, []]));
  try {
    for (let round = -1; round < rounds; round += 1) {
      // Rotate the order every round so no target always runs first (or right after another).
      for (let step = 0; step < kinds.length; step += 1) {
        const index = (step + Math.max(round, 0)) % kinds.length;
        const kind = kinds[index]!;
        const target = running[index]!;
        const cpuBefore = target.cpuSeconds();
        // Round -1 warms every server up and is not recorded.
        const result = await autocannon({
          url: `http://127.0.0.1:${target.port}/`,
          connections: 50,
          pipelining: 1,
          duration: round < 0 || quick ? 1 : 3,
        });
        const cpu = target.cpuSeconds() - cpuBefore;
        if (round >= 0) {
          rps[kind]!.push(result.requests.average);
          perCpu[kind]!.push(cpu > 0 ? result.requests.total / cpu : Number.NaN);
        }
      }
    }
  } finally {
    await Promise.all(running.map((target) => target.stop()));
  }
  return { rps, perCpuSecond: perCpu };
}

/** Each target's value per round (rounds interleaved, so round i of two targets ran side by side). */
type Samples = Record<string, number[]>;

const medianOf = (values: number[]) =>
  percentile(
    values.filter((v) => !Number.isNaN(v)),
    50,
  );

/** Median and range of the per-round ratio ours / peer (each round's pair ran back to back). */
function ratioRange(samples: Samples, ours: string, peer: string): string {
  const ratios = samples[ours]!.map((value, round) => value / samples[peer]![round]!).filter(Number.isFinite);
  if (ratios.length === 0) return 'no rounds';
  const fixed = (value: number) => value.toFixed(2);
  return `per-round ratio median ${fixed(medianOf(ratios))}x, range ${fixed(Math.min(...ratios))}–${fixed(Math.max(...ratios))}x over ${ratios.length} rounds`;
}

/** A broadcast target with its clients connected: `broadcast(n)` resolves with each client's latency. */
interface BroadcastSession {
  /** Per-client latencies of one broadcast, and the CPU seconds the server process spent on it. */
  broadcast(n: number): Promise<{ latencies: number[]; cpu: number }>;
  stop(): Promise<void>;
}

/** Starts `kind` and connects `count` plain WebSocket clients (`socketio*`: speaking Engine.IO v4). */
export async function broadcastSession(
  kind: string,
  count: number,
  env: Record<string, string>,
): Promise<BroadcastSession> {
  const target = await startTarget(kind, env);
  const base = `127.0.0.1:${target.port}`;
  const socketIO = kind.startsWith('socketio');
  const sockets: WebSocket[] = [];
  let latencies: number[] = [];
  let sentAt = 0;
  let round = Number.NaN;
  let roundDone: (() => void) | undefined;
  const open = (): Promise<WebSocket> =>
    new Promise((resolve, reject) => {
      const ws = new WebSocket(socketIO ? `ws://${base}/socket.io/?EIO=4&transport=websocket` : `ws://${base}/ws`);
      ws.on('message', (data) => {
        const text = data.toString();
        let payload: { n: number } | undefined;
        if (socketIO) {
          if (text.startsWith('0')) ws.send('40');
          else if (text === '2') ws.send('3');
          else if (text.startsWith('42')) payload = (JSON.parse(text.slice(2)) as [string, { n: number }])[1];
        } else payload = JSON.parse(text) as { n: number };
        if (payload && payload.n === round) {
          latencies.push(performance.now() - sentAt);
          if (latencies.length === count) roundDone?.();
        }
      });
      ws.once('open', () => resolve(ws));
      ws.once('error', reject);
    });
  const stop = async () => {
    for (const ws of sockets) ws.terminate();
    await target.stop();
  };
  try {
    for (let index = 0; index < count; index += 50) {
      const batch = await Promise.all(Array.from({ length: Math.min(50, count - index) }, open));
      sockets.push(...batch);
    }
    // Wait until every client joined the group / room.
    for (let joined = 0; joined < count; ) {
      joined = Number(await (await fetch(`http://${base}/`)).text());
      if (joined < count) await new Promise((resolve) => setTimeout(resolve, 20));
    }
  } catch (error) {
    await stop();
    throw error;
  }
  return {
    async broadcast(n) {
      const cpuBefore = target.cpuSeconds();
      latencies = [];
      round = n;
      const done = new Promise<void>((resolve) => {
        roundDone = resolve;
      });
      sentAt = performance.now();
      await fetch(`http://${base}/`, { method: 'POST', body: JSON.stringify({ n }) });
      let timer: NodeJS.Timeout | undefined;
      const lost = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`${kind}: round ${n} reached ${latencies.length} of ${count} clients within 30 s`)),
          30_000,
        );
      });
      await Promise.race([done, lost]).finally(() => clearTimeout(timer));
      return { latencies, cpu: target.cpuSeconds() - cpuBefore };
    },
    stop,
  };
}

/**
 * Latencies of ours and the peer, their broadcasts interleaved round by round (both sessions
 * connected at once) so load on a shared machine hits both alike. The first `warmup` rounds
 * (negative round numbers) are not recorded: in the first few broadcasts the send path of both
 * servers is still being compiled (a cold round took 50–100 ms against about 25 ms warm), and
 * with one warm-up round that cold round alone set the p99 of 30.
 */
async function broadcastPair(
  kinds: [string, string],
  count: number,
  rounds: number,
  env: Record<string, string>,
  warmup: number,
): Promise<{ latencies: [number[], number[]]; cpuMs: [number, number] }> {
  const sessions = await Promise.all(kinds.map((kind) => broadcastSession(kind, count, env)));
  const latencies: [number[], number[]] = [[], []];
  const cpu: [number, number] = [0, 0];
  try {
    for (let n = -warmup; n < rounds; n += 1) {
      for (let step = 0; step < 2; step += 1) {
        const index = (step + Math.max(n, 0)) % 2;
        const result = await sessions[index]!.broadcast(n);
        if (n >= 0) {
          latencies[index]!.push(...result.latencies);
          cpu[index] += result.cpu;
        }
      }
    }
  } finally {
    await Promise.all(sessions.map((session) => session.stop()));
  }
  return { latencies, cpuMs: [(cpu[0] / rounds) * 1000, (cpu[1] / rounds) * 1000] };
}

/** Cases of this suite; `print.ts --case broadcast-memory` (comma-separated) runs only those. */
export const CASES = ['http', 'broadcast-memory', 'broadcast-redis'] as const;
export type AsyncCase = (typeof CASES)[number];

export async function run({
  quick,
  cases = CASES,
  rounds,
}: {
  quick: boolean;
  cases?: readonly AsyncCase[];
  /** Interleaved rounds of the HTTP case (default 5; quick 2): more on a busy machine. */
  rounds?: number;
}): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  if (cases.includes('http')) rows.push(...(await httpRows(quick, rounds ?? (quick ? 2 : 5))));
  if (cases.includes('broadcast-memory') || cases.includes('broadcast-redis')) {
    rows.push(...(await broadcastRows(quick, cases)));
  }
  return rows;
}

async function httpRows(quick: boolean, rounds: number): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const { rps, perCpuSecond } = await httpThroughput(
    ['serve', 'serve-no-override', 'serve-text', 'raw', 'hono'],
    quick,
    rounds,
  );
  const pairs = [
    ['serve', 'serve() + new Response()', 'raw', 'raw node:http', 'goal >= 0.95x'],
    ['serve', 'serve() + new Response()', 'hono', 'Hono on @hono/node-server (c.text)', undefined],
    [
      'serve-no-override',
      'serve({ overrideGlobalResponse: false }) + new Response()',
      'raw',
      'raw node:http',
      'undici Response',
    ],
    ['serve-text', 'serve() + text()', 'raw', 'raw node:http', 'goal >= 0.8x'],
    ['serve-text', 'serve() + text()', 'hono', 'Hono on @hono/node-server (c.text)', undefined],
  ] as const;
  for (const [metric, unit, values] of [
    ['req/s', 'req/s', rps],
    ['requests per server CPU-second', 'req/CPU-s', perCpuSecond],
  ] as const) {
    for (const [oursKind, oursName, peerKind, peerName, note] of pairs) {
      rows.push({
        suite: 'async',
        case: `HTTP hello world, ${metric} (autocannon, 50 conns)`,
        unit,
        higherIsBetter: true,
        ours: { name: oursName, value: medianOf(values[oursKind]!) },
        peer: { name: peerName, value: medianOf(values[peerKind]!) },
        note: note ? `${note}; ${ratioRange(values, oursKind, peerKind)}` : ratioRange(values, oursKind, peerKind),
      });
    }
  }
  return rows;
}

async function broadcastRows(quick: boolean, cases: readonly AsyncCase[]): Promise<BenchRow[]> {
  const rows: BenchRow[] = [];
  const clients = quick ? 200 : 1000;
  const rounds = quick ? 5 : 30;
  const withRedis = cases.includes('broadcast-redis') && hasBinary('redis-server');
  if (cases.includes('broadcast-redis') && !withRedis)
    console.warn('bench async: redis-server is not installed; the Redis rows are skipped');
  const redis = withRedis ? await startRedis() : undefined;
  try {
    const env: Record<string, string> = redis ? { REDIS_URL: redis.url } : {};
    const pairs: [string, string, string, string][] = [];
    if (cases.includes('broadcast-memory')) pairs.push(['memory layer', 'ws-memory', 'Socket.IO rooms', 'socketio']);
    if (redis) pairs.push(['Redis layer', 'ws-redis', 'Socket.IO rooms + Redis adapter', 'socketio-redis']);
    for (const [oursName, oursKind, peerName, peerKind] of pairs) {
      const { latencies, cpuMs } = await broadcastPair([oursKind, peerKind], clients, rounds, env, quick ? 1 : 3);
      const [ours, peer] = latencies;
      for (const p of [50, 99]) {
        rows.push({
          suite: 'async',
          case: `broadcast to ${clients} WebSocket clients, ${oursName} (p${p})`,
          unit: `ms p${p}`,
          higherIsBetter: false,
          ours: { name: `groupSend (${oursName})`, value: percentile(ours, p) },
          peer: { name: peerName, value: percentile(peer, p) },
          note: 'goal >= 1.0x',
        });
      }
      rows.push({
        suite: 'async',
        case: `broadcast to ${clients} WebSocket clients, ${oursName}: server CPU per broadcast`,
        unit: 'CPU ms',
        higherIsBetter: false,
        ours: { name: `groupSend (${oursName})`, value: cpuMs[0] },
        peer: { name: peerName, value: cpuMs[1] },
      });
    }
  } finally {
    await redis?.stop();
  }
  return rows;
}
