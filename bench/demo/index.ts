import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemo } from '../../apps/demo/src/app.js';
import { loadConfig } from '../../apps/demo/src/config.js';
import { measureOps } from '../lib/ops.js';
import type { BenchRow } from '../lib/report.js';

/**
 * The demo's article list through its whole Fetch handler, in process: served from the page
 * cache (ours) vs rendered on every request (the same app with the page cache switched off:
 * what a user gets without `cachePage`).
 */
export async function run({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'adv-bench-demo-'));
  const cached = await createDemo(loadConfig({}, { dataDir: join(dataDir, 'a'), exportChunkDelayMs: 0, debug: false }));
  const uncached = await createDemo(
    loadConfig({}, { dataDir: join(dataDir, 'b'), exportChunkDelayMs: 0, debug: false, pageCacheSeconds: 0 }),
  );
  try {
    for (const demo of [cached, uncached]) {
      for (let i = 0; i < 20; i++) {
        demo.board.articles.create({
          title: `Article ${i}`,
          body: 'Body',
          authorName: 'Bench',
          authorEmail: `b${i}@example.com`,
        });
      }
    }
    const request = () => new Request('http://localhost/', { headers: { 'accept-language': 'en' } });
    const hit = async (demo: typeof cached) => {
      const response = await demo.handler(request());
      await response.arrayBuffer();
    };
    const ops = await measureOps({ cached: () => hit(cached), uncached: () => hit(uncached) }, { quick });
    return [
      {
        suite: 'demo',
        case: 'GET / (article list, 22 articles) through the full handler',
        unit: 'req/s',
        higherIsBetter: true,
        ours: { name: 'page cache', value: ops.cached ?? Number.NaN },
        peer: { name: 'no page cache', value: ops.uncached ?? Number.NaN },
      },
    ];
  } finally {
    await cached.close();
    await uncached.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
}
