/**
 * The demo apps the HTTP benchmark drives, served from a process of their own so autocannon
 * (in the parent) does not share their event loop: the app with the page cache, without it,
 * and with the page cache but one middleware removed, for each middleware.
 * Usage: node --import tsx targets.ts   (prints `PORTS {"cached": n, …}`, stops on SIGTERM)
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Server, serve } from '@adv/async';
import { createDemo, type Demo } from '../../apps/demo/src/app.js';
import { loadConfig } from '../../apps/demo/src/config.js';
import { handlerWithout, LAYERS, seedArticles } from './variants.js';

const root = mkdtempSync(join(tmpdir(), 'adv-bench-demo-http-'));
const running: { demo: Demo; server: Server }[] = [];
const ports: Record<string, number> = {};

async function start(name: string, pageCacheSeconds: number, skipMiddleware: readonly string[] = []) {
  const dataDir = join(root, name);
  const config = loadConfig(
    { LOG_LEVEL: 'silent', DEBUG: 'false', SECRET_KEY: 'bench-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG' },
    { dataDir, staticRoot: join(dataDir, 'static'), exportChunkDelayMs: 0, pageCacheSeconds },
  );
  const demo = await createDemo(config);
  await seedArticles(demo);
  const server = await serve(handlerWithout(demo, skipMiddleware), { port: 0, host: '127.0.0.1' });
  running.push({ demo, server });
  ports[name] = server.port;
}

await start('cached', 300);
await start('uncached', 0);
for (const layer of LAYERS) await start(layer, 300, [layer]);
process.stdout.write(`PORTS ${JSON.stringify(ports)}\n`);

process.once('SIGTERM', async () => {
  for (const { demo, server } of running) {
    await server.close();
    await demo.close();
  }
  rmSync(root, { recursive: true, force: true });
  process.exit(0);
});
