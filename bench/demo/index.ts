import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemo, type Demo } from '../../apps/demo/src/app.js';
import { loadConfig } from '../../apps/demo/src/config.js';
import type { BenchRow } from '../lib/report.js';

/**
 * Ops/s of each task as the median of several short batches run in turn (A, B, C, A, B, C …),
 * so a load spike on a shared machine hits every task alike instead of skewing one of them.
 * (bench/lib's measureOps runs each task in one block, fine for one pair, not for ten.)
 */
async function interleavedOps(
  tasks: Record<string, () => Promise<void>>,
  { quick }: { quick: boolean },
): Promise<Record<string, number>> {
  const rounds = quick ? 5 : 21;
  const batchMs = quick ? 30 : 120;
  const samples: Record<string, number[]> = Object.fromEntries(Object.keys(tasks).map((name) => [name, []]));
  const entries = Object.entries(tasks);
  for (let round = 0; round < rounds; round++) {
    // A new order every round (rotation), so no variant always follows the same neighbour.
    const order = entries.map((_, i) => entries[(i + round) % entries.length]!);
    for (const [name, task] of order) {
      let count = 0;
      const start = performance.now();
      let elapsed = 0;
      while (elapsed < batchMs) {
        await task();
        count++;
        elapsed = performance.now() - start;
      }
      samples[name]!.push((count * 1000) / elapsed);
    }
  }
  const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)]!;
  return Object.fromEntries(Object.entries(samples).map(([name, values]) => [name, median(values)]));
}

/** The layers of the demo's stack, outermost first, as named in `createDemo`. */
const LAYERS = [
  'requestLogger',
  'metrics',
  'health',
  'securityMiddleware',
  'serveStatic',
  'csrfMiddleware',
  'errorPages',
  'localeMiddleware',
] as const;

/**
 * The demo's article list through its whole Fetch handler, in process (no sockets, so the
 * numbers are the app's own cost): served by `cachePage` (ours) vs rendered on every request
 * (the same app with the page cache off), then the cached page with each middleware removed
 * in turn, so the cost of every layer is visible.
 */
export async function run({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const root = mkdtempSync(join(tmpdir(), 'adv-bench-demo-'));
  const demos: Demo[] = [];
  const make = async (name: string, pageCacheSeconds: number, skipMiddleware: readonly string[] = []) => {
    const dataDir = join(root, name);
    const config = loadConfig(
      { LOG_LEVEL: 'silent', DEBUG: 'false', SECRET_KEY: 'bench-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG' },
      { dataDir, staticRoot: join(dataDir, 'static'), exportChunkDelayMs: 0, pageCacheSeconds },
    );
    const demo = await createDemo(config, { skipMiddleware });
    demos.push(demo);
    for (let i = 0; i < 20; i++) {
      demo.board.articles.create({
        title: `Article ${i}`,
        body: 'Body',
        authorName: 'Bench',
        authorEmail: `b${i}@example.com`,
      });
    }
    return demo;
  };
  try {
    const cached = await make('cached', 300);
    const uncached = await make('uncached', 0);
    const without = Object.fromEntries(
      await Promise.all(LAYERS.map(async (layer) => [layer, await make(`without-${layer}`, 300, [layer])] as const)),
    );
    const hit = async (demo: Demo) => {
      const response = await demo.handler(new Request('http://localhost/', { headers: { 'accept-language': 'en' } }));
      await response.arrayBuffer();
    };
    // Warm every page cache before measuring (cachePage stores in the background).
    for (const demo of demos) for (let i = 0; i < 3; i++) await hit(demo);
    const tasks: Record<string, () => Promise<void>> = { cached: () => hit(cached), uncached: () => hit(uncached) };
    for (const layer of LAYERS) tasks[layer] = () => hit(without[layer]!);
    const ops = await interleavedOps(tasks, { quick });
    const rows: BenchRow[] = [
      {
        suite: 'demo',
        case: 'GET / article list (22 articles), full middleware stack',
        unit: 'req/s',
        higherIsBetter: true,
        ours: { name: 'cachePage', value: ops.cached ?? Number.NaN },
        peer: { name: 'rendered each time', value: ops.uncached ?? Number.NaN },
      },
    ];
    for (const layer of LAYERS) {
      rows.push({
        suite: 'demo',
        case: `cached GET /: cost of ${layer}`,
        unit: 'req/s',
        higherIsBetter: true,
        ours: { name: 'full stack', value: ops.cached ?? Number.NaN },
        peer: { name: `without ${layer}`, value: ops[layer] ?? Number.NaN },
        note: 'below 1.00x = what the layer costs',
      });
    }
    return rows;
  } finally {
    for (const demo of demos) await demo.close();
    rmSync(root, { recursive: true, force: true });
  }
}
