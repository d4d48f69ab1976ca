/**
 * A quick side-by-side of a few HTTP targets (targets.ts), without the whole demo bench: each
 * round runs every target for `seconds` under autocannon (20 connections, `Accept-Language: en`),
 * in a rotating order, and reads the server's CPU time per request from /proc/<pid>/stat.
 * Prints the median and range of the rounds, and the load average before and after.
 *
 *   cd bench && npx tsx demo/compare.ts [--rounds 5] [--seconds 3] uncached express-uncached fastify-uncached
 *
 * `name:drive` starts a peer target with BENCH_PEER_RENDER=drive (the demo's render driver, bench/stacks/page.ts).
 */
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { startTarget, type Target } from './index.js';

const { values, positionals } = parseArgs({
  options: { rounds: { type: 'string', default: '5' }, seconds: { type: 'string', default: '3' } },
  allowPositionals: true,
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
if (!Number.isInteger(rounds) || rounds < 1 || !(seconds > 0) || positionals.length === 0) {
  throw new Error('Usage: compare.ts [--rounds n] [--seconds s] <target[:drive]>...');
}

/** CPU milliseconds (user + system) of a process so far (USER_HZ 100). */
function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

const load = () =>
  loadavg()
    .map((n) => n.toFixed(1))
    .join(' ');
console.log(`load before: ${load()}`);
const targets: [string, Target][] = [];
try {
  for (const spec of positionals) {
    const [name, mode] = spec.split(':');
    targets.push([spec, await startTarget(name!, mode === 'drive' ? { BENCH_PEER_RENDER: 'drive' } : {})]);
  }
  const samples = new Map<string, { cpu: number[]; rps: number[] }>(
    positionals.map((spec) => [spec, { cpu: [], rps: [] }]),
  );
  for (let round = -1; round < rounds; round++) {
    for (let step = 0; step < targets.length; step++) {
      const [spec, target] = targets[(step + Math.max(round, 0)) % targets.length]!;
      const before = cpuMs(target.pid);
      const result = await autocannon({
        url: `http://127.0.0.1:${target.port}/`,
        headers: { 'accept-language': 'en' },
        connections: 20,
        ...(round < 0 ? { amount: 500 } : { duration: seconds }),
      });
      if (result.non2xx > 0 || result.errors > 0)
        throw new Error(`${spec}: ${result.non2xx} non-2xx, ${result.errors} errors`);
      if (round < 0) continue;
      const elapsed = (result.finish.getTime() - result.start.getTime()) / 1000;
      samples.get(spec)!.cpu.push((cpuMs(target.pid) - before) / result.requests.total);
      samples.get(spec)!.rps.push(result.requests.total / elapsed);
    }
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  for (const [spec, { cpu, rps }] of samples) {
    console.log(
      `${spec.padEnd(24)} CPU ${median(cpu).toFixed(2)} ms/req (${Math.min(...cpu).toFixed(2)}-${Math.max(...cpu).toFixed(2)})  ${median(rps).toFixed(0)} req/s`,
    );
  }
} finally {
  await Promise.all(targets.map(([, target]) => target.stop()));
  console.log(`load after: ${load()}`);
}
