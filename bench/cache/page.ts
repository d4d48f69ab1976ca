/**
 * A cached page hit through `cachePage` beside the raw handler that renders the same page
 * (an 8 KB HTML body, six response headers), each called with a new `Request` as a server
 * would build one, in one process: interleaved rounds with the order
 * rotated, calls per CPU-second per round, median and range. Each request's response body is read in full,
 * as a server would. `npx tsx cache/page.ts` prints the table alone.
 */
import { cachePage, createCache } from '@adv/cache';
import { compose } from '@adv/types';
import type { BenchRow } from '../lib/report.js';

const BODY = `<!doctype html><html><body>${'<article><h2>Title</h2><p>Some text of the article list.</p></article>'.repeat(120)}</body></html>`;
const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-language': 'en',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  vary: 'Accept-Language',
};
const handler = async (_request: Request) => new Response(BODY, { headers: HEADERS });

/**
 * Calls per CPU-second of this process (user + system), run for `ms` of CPU time: on a shared
 * machine, wall-clock ops/s mostly measure the other processes' load.
 */
async function opsPerCpuSecond(fn: () => Promise<unknown>, ms: number): Promise<number> {
  let n = 0;
  const start = process.cpuUsage();
  let used = 0;
  while (used < ms * 1000) {
    for (let i = 0; i < 100; i++) await fn();
    n += 100;
    const now = process.cpuUsage(start);
    used = now.user + now.system;
  }
  return n / (used / 1e6);
}

export const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[middle] ?? Number.NaN) : ((sorted[middle - 1] ?? 0) + (sorted[middle] ?? 0)) / 2;
};

export interface PageMeasure {
  name: string;
  median: number;
  min: number;
  max: number;
}

export async function measurePage(quick: boolean): Promise<PageMeasure[]> {
  const cache = createCache();
  const cached = compose(cachePage({ cache, ttl: 3600 }))(handler);
  const request = () => new Request('http://localhost/', { headers: { 'accept-language': 'en' } });
  // Store the page, then check every timed call below is a hit.
  await (await cached(request())).text();
  for (let i = 0; i < 1000 && !(await cached(request())).headers.has('age'); i++) {
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
  const tasks: Array<[string, () => Promise<unknown>]> = [
    ['cachePage hit (memory)', async () => (await cached(request())).arrayBuffer()],
    ['raw handler', async () => (await handler(request())).arrayBuffer()],
  ];
  const rounds = quick ? 3 : 9;
  const samples = new Map<string, number[]>(tasks.map(([name]) => [name, []]));
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? tasks : [...tasks].reverse();
    for (const [name, fn] of order) samples.get(name)?.push(await opsPerCpuSecond(fn, quick ? 150 : 500));
  }
  await cache.close();
  return tasks.map(([name]) => {
    const values = samples.get(name) ?? [];
    return { name, median: median(values), min: Math.min(...values), max: Math.max(...values) };
  });
}

export async function pageRows(quick: boolean): Promise<BenchRow[]> {
  const [hit, raw] = await measurePage(quick);
  if (hit === undefined || raw === undefined) return [];
  return [
    {
      suite: 'cache',
      case: 'cachePage hit, 8 KB page (median of interleaved rounds)',
      unit: 'ops per CPU-s',
      higherIsBetter: true,
      ours: { name: 'cachePage (memory)', value: hit.median },
      peer: { name: 'raw handler', value: raw.median },
      note: `ranges ${Math.round(hit.min)}–${Math.round(hit.max)} vs ${Math.round(raw.min)}–${Math.round(raw.max)}`,
    },
  ];
}

if (import.meta.url === `file://${process.argv[1]}`) {
  for (const m of await measurePage(process.argv.includes('--quick'))) {
    console.log(
      `${m.name.padEnd(24)} median ${Math.round(m.median)} ops/CPU-s  range ${Math.round(m.min)}–${Math.round(m.max)}`,
    );
  }
}
