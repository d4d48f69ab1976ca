/**
 * A/B of two builds of @adv/cache on a cached page hit, served by `serve()` of @adv/async over
 * loopback: the old build is a copy of `packages/cache/dist` (`bench/cache/.ab-old/dist`, made
 * by hand before a change), the new one is the package as built now. Both servers live in this
 * process; autocannon (a child process) loads one at a time, rounds interleaved, and each round
 * gives this process's CPU time (user + system) per response. The page is the demo's shape: a
 * 7 KB HTML body, tags, key parts, `cacheControl: 'no-cache'`, stale-if-error.
 *
 *   npx tsx cache/hit-ab.ts [rounds=8] [seconds=3] [name=path-of-another-build ...]
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { serve } from '@adv/async';
import { compose } from '@adv/types';

const BODY = `<!doctype html><html><body>${'<article><h2>Title</h2><p>Some text of the article list.</p></article>'.repeat(100)}</body></html>`;
const HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'content-language': 'en',
  'x-content-type-options': 'nosniff',
};
const render = async (_request: Request) => new Response(BODY, { headers: HEADERS });

async function server(lib: typeof import('@adv/cache'), name: string) {
  const cache = lib.createCache();
  const page = lib.cachePage({
    cache,
    ttl: 3600,
    staleIfError: 86_400,
    cacheControl: 'no-cache',
    tags: ['list'],
    keyParts: () => ['en', 'UTC'],
  });
  const srv = await serve(compose(page)(render), { port: 0 });
  const url = `http://127.0.0.1:${srv.port}/`;
  for (let i = 0; i < 3; i++) await (await fetch(url)).arrayBuffer();
  const last = await fetch(url);
  await last.arrayBuffer();
  if (!last.headers.has('age')) throw new Error(`${name}: not a hit`);
  return { name, url, close: () => srv.close() };
}

const rounds = Number(process.argv[2] ?? 8);
const seconds = Number(process.argv[3] ?? 3);
const builds: Array<[string, string]> = [
  ['old', './.ab-old/dist/index.js'],
  ['new', '@adv/cache'],
];
// More builds to compare: name=path pairs after the two numbers (e.g. mid=./.ab-mid/dist/index.js).
for (const arg of process.argv.slice(4)) builds.splice(1, 0, arg.split('=') as [string, string]);
const servers = [];
for (const [name, path] of builds) servers.push(await server(await import(path), name));
// One unmeasured round: every server warmed up (JIT) before the first measured one.
for (const s of servers) await promisify(execFile)('npx', ['autocannon', '-c', '20', '-d', String(seconds), s.url]);
const per = new Map<string, number[]>(servers.map((s) => [s.name, []]));
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? servers : [...servers].reverse();
  for (const s of order) {
    const before = process.cpuUsage();
    const child = await promisify(execFile)('npx', ['autocannon', '-c', '20', '-d', String(seconds), '-j', s.url]);
    const used = process.cpuUsage(before);
    const requests = (JSON.parse(child.stdout) as { '2xx': number })['2xx'];
    per.get(s.name)?.push((used.user + used.system) / requests);
  }
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] ?? Number.NaN;
for (const [name, v] of per)
  console.log(
    `${name}: ${median(v).toFixed(2)} µs CPU/response (range ${Math.min(...v).toFixed(2)}-${Math.max(...v).toFixed(2)})`,
  );
const a = per.get('old') ?? [];
for (const [name, b] of per) {
  if (name === 'old') continue;
  const ratios = a.map((x, i) => x / (b[i] ?? Number.NaN));
  console.log(
    `old/${name} per round: median ${median(ratios).toFixed(3)} (range ${Math.min(...ratios).toFixed(3)}-${Math.max(...ratios).toFixed(3)})`,
  );
}
for (const s of servers) await s.close();
