/**
 * Profiles one HTTP target of the demo bench (targets.ts) under load and prints where its CPU
 * time goes: self time by area (our packages by file, npm packages, Node internals), self time
 * by function, inclusive time by function (a function counted once per sample it is on the
 * stack of) and the callers of the hottest native frames.
 *
 *   cd bench && npx tsx demo/profile.ts [target=cached] [seconds=15] [out=/tmp/<target>.cpuprofile]
 *   cd bench && npx tsx demo/profile.ts --summarize /tmp/cached.cpuprofile
 *
 * The target warms up (and fills its page cache) unprofiled; the profiler runs only during the
 * measured autocannon run (20 connections, `Accept-Language: en`), so start-up and compilation
 * stay out. Open the .cpuprofile in Chrome DevTools (Performance) or speedscope for the flame graph.
 * Async frames: after an `await`, a middleware resumes from the microtask queue, so its
 * inclusive time covers its own synchronous stretches, not the layers it awaited.
 */
import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}
interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
}

/** Where a frame's code lives: `@adv/<package> <file>`, an npm package, a Node internal module, or V8. */
function areaOf({ url, functionName }: ProfileNode['callFrame']): string {
  if (!url) return functionName.startsWith('(') ? functionName : '(V8 builtins and native)';
  const ours = /packages\/([\w-]+)\/(?:src|dist)\/(.*)\.[jt]s$/.exec(url);
  if (ours) return `@adv/${ours[1]} ${ours[2]}`;
  if (url.includes('/apps/demo/')) return `demo ${url.split('/apps/demo/')[1]}`;
  const npm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (npm) return npm[1]!;
  if (url.startsWith('node:internal/deps/undici')) return 'undici (Headers/Request/Response)';
  if (url.startsWith('node:')) return `node ${url.replace(/^node:(internal\/)?/, '').split('/')[0]}`;
  return url;
}

/**
 * The layer a frame belongs to, or undefined for frames that work for their caller (undici's
 * Headers, URL parsing, V8 builtins, promise plumbing): those samples go to the nearest layer
 * up the stack, so a header a layer sets is that layer's cost.
 */
const LAYER_RULES: [string, RegExp][] = [
  ['AsyncLocalStorage (promise hooks)', /^node:(internal\/)?async_hooks/],
  [
    'request log (requestLogger, pino, file write)',
    /deploy\/(src|dist)\/logging|node_modules\/(pino|sonic-boom)|^node:fs$/,
  ],
  ['metrics (prom-client)', /deploy\/(src|dist)\/metrics|node_modules\/prom-client/],
  ['readiness, health', /demo\/src\/readiness|deploy\/(src|dist)\/health/],
  ['security headers', /deploy\/(src|dist)\/security/],
  ['allowedMethods', /demo\/src\/http\/stack\.ts.*#allowed/],
  ['serveStatic', /deploy\/(src|dist)\/static\//],
  ['serveMedia', /deploy\/(src|dist)\/media\//],
  ['CSRF', /deploy\/(src|dist)\/csrf/],
  ['error pages', /demo\/src\/http\/errors/],
  ['locale (i18n)', /i18n\/(src|dist)\/|demo\/src\/i18n/],
  ['page cache (cachePage, cache engine, keyv)', /cache\/(src|dist)\/|node_modules\/keyv|demo\/src\/http\/stack/],
  ['compose', /types\/(src|dist)\/compose/],
  ['serve() bridge (@adv/async)', /async\/(src|dist)\//],
  [
    'node:http, socket write',
    /^node:(_http|net|internal\/(streams|stream_base_commons|http))|^node:internal\/deps\/llhttp|^node:events/,
  ],
];

/** Each busy sample given to the innermost layer on its stack (the table that sums to 100%). */
function byLayer(profile: CpuProfile): Map<string, number> {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const layers = new Map<string, number>();
  for (const id of profile.samples) {
    const leaf = byId.get(id)!;
    const name = leaf.callFrame.functionName;
    if (name === '(idle)') continue;
    let layer = name === '(garbage collector)' ? 'garbage collector' : undefined;
    for (let cur: number | undefined = id; layer === undefined && cur !== undefined; cur = parentOf.get(cur)) {
      const { url, functionName } = byId.get(cur)!.callFrame;
      layer = LAYER_RULES.find(([, rule]) => rule.test(`${url}#${functionName}`))?.[0];
    }
    layers.set(layer ?? 'other', (layers.get(layer ?? 'other') ?? 0) + 1);
  }
  return layers;
}

/** The summary of a profile as text: the tables described at the top of this file. */
export function summarize(profile: CpuProfile, top = 30): string {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const label = (node: ProfileNode) =>
    `${node.callFrame.functionName || '(anonymous)'} (${areaOf(node.callFrame)}:${node.callFrame.lineNumber + 1})`;
  const self = new Map<string, number>();
  const inclusive = new Map<string, number>();
  const areas = new Map<string, number>();
  const callers = new Map<string, Map<string, number>>();
  const add = (map: Map<string, number>, key: string) => map.set(key, (map.get(key) ?? 0) + 1);
  let busy = 0;
  for (const id of profile.samples) {
    const node = byId.get(id)!;
    if (node.callFrame.functionName === '(idle)') continue;
    busy++;
    add(self, label(node));
    add(areas, areaOf(node.callFrame));
    // The nearest JavaScript caller of a native frame says what the native work is for.
    if (!node.callFrame.url) {
      let up = parentOf.get(id);
      while (up !== undefined && !byId.get(up)!.callFrame.url) up = parentOf.get(up);
      const map = callers.get(label(node)) ?? new Map<string, number>();
      add(map, up === undefined ? '(none)' : label(byId.get(up)!));
      callers.set(label(node), map);
    }
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parentOf.get(cur)) {
      const key = label(byId.get(cur)!);
      if (!seen.has(key)) {
        seen.add(key);
        add(inclusive, key);
      }
    }
  }
  const pct = (n: number) => `${((n / busy) * 100).toFixed(1).padStart(5)}%`;
  const table = (title: string, map: Map<string, number>, n: number) =>
    [
      `\n${title} (share of ${busy} busy samples)`,
      ...[...map]
        .sort((a, b) => b[1] - a[1])
        .slice(0, n)
        .map(([k, v]) => `${pct(v)}  ${k}`),
    ].join('\n');
  const hottestNative = [...self]
    .filter(([key]) => callers.has(key))
    .sort((a, b) => b[1] - a[1])
    .slice(0, 6);
  const callerTables = hottestNative.map(([key]) => table(`callers of ${key}`, callers.get(key)!, 5));
  return [
    table('by layer: each sample to the innermost layer on its stack', byLayer(profile), 20),
    table('self time by area', areas, top),
    table('self time by function', self, top),
    table('inclusive time by function', inclusive, top),
    ...callerTables,
  ].join('\n');
}

const [target = 'cached', seconds = '15', out = `/tmp/${target}.cpuprofile`] = process.argv.slice(2);
if (target === '--summarize') {
  // `profile.ts --summarize <file>`: the tables of a profile written earlier.
  console.log(summarize(JSON.parse(readFileSync(seconds, 'utf8')) as CpuProfile));
  process.exit(0);
}
const { startTarget } = await import('./index.js');
const server = await startTarget(target, { BENCH_CPU_PROFILE: out });
try {
  const options = { url: `http://127.0.0.1:${server.port}/`, headers: { 'accept-language': 'en' }, connections: 20 };
  await autocannon({ ...options, amount: 3000 });
  server.signal('SIGUSR2');
  const result = await autocannon({ ...options, duration: Number(seconds) });
  const rps = result.requests.total / ((result.finish.getTime() - result.start.getTime()) / 1000);
  console.log(
    `${target}: ${Math.round(rps)} req/s over ${seconds} s profiled, ${result.non2xx} non-2xx; profile in ${out}`,
  );
} finally {
  await server.stop();
}
console.log(summarize(JSON.parse(readFileSync(out, 'utf8')) as CpuProfile));
