/**
 * One server the HTTP benchmark drives, in a process of its own so autocannon (in the parent)
 * does not share its event loop and the server's CPU time can be read from /proc/<pid>/stat.
 * Usage: node --import tsx targets.ts <target>   (prints `PORT n`, stops on SIGTERM)
 * Targets: `raw` (node:http hello world), `raw-page` (node:http sending the page's bytes and headers),
 * `cached` / `uncached` (the demo, page cache on/off),
 * `without-<layer>` (cached, one middleware removed), `express` / `fastify` (the same page on
 * those stacks, bench/stacks) and `express-uncached` / `fastify-uncached`.
 * Every stack logs each request to a file with pino (the production setup), LOG_LEVEL info.
 */

import { createHash, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { Session } from 'node:inspector/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileLogger, PAGE_CACHE_SECONDS } from '../stacks/common.js';
import { LAYERS } from './variants.js';

// Each target imports only what it serves (a raw hello world need not load the demo).

const target = process.argv[2] ?? '';
const root = mkdtempSync(join(tmpdir(), `adv-bench-${target}-`));
const logFile = join(root, 'requests.log');
const closers: (() => Promise<unknown>)[] = [];

async function startDemo(pageCacheSeconds: number, skip: readonly string[]): Promise<number> {
  const { serve } = await import('@adv/async');
  const { createDemo } = await import('../../apps/demo/src/app.js');
  const { loadConfig } = await import('../../apps/demo/src/config.js');
  const { handlerWithout, seedArticles } = await import('./variants.js');
  const config = loadConfig(
    { LOG_LEVEL: 'info', DEBUG: 'false', SECRET_KEY: 'bench-only-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFG' },
    { dataDir: root, staticRoot: join(root, 'static'), exportChunkDelayMs: 0, pageCacheSeconds },
  );
  const demo = await createDemo(config, { logger: fileLogger(logFile) });
  closers.push(() => demo.close());
  await seedArticles(demo);
  const server = await serve(handlerWithout(demo, skip), { port: 0, host: '127.0.0.1' });
  closers.unshift(() => server.close());
  return server.port;
}

async function startStack(kind: 'express' | 'fastify', pageCache: boolean): Promise<number> {
  const { openArticlePage } = await import('../stacks/page.js');
  const page = await openArticlePage(root);
  closers.push(() => page.close());
  if (kind === 'express') {
    const { expressStack, listen } = await import('../stacks/express.js');
    const server = await listen(expressStack({ page, logFile, pageCache }));
    closers.unshift(() => new Promise((resolve) => server.close(resolve)));
    return (server.address() as { port: number }).port;
  }
  const { fastifyStack } = await import('../stacks/fastify.js');
  const app = await fastifyStack({ page, logFile, pageCache });
  await app.listen({ port: 0, host: '127.0.0.1' });
  closers.unshift(() => app.close());
  return (app.server.address() as { port: number }).port;
}

async function startRaw(): Promise<number> {
  const server = createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('Hello World');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

/**
 * The floor for this page: node:http answering with the article list's bytes (rendered once at
 * start) and the headers the demo sends (a fresh X-Request-Id each time), nothing else.
 */
async function startRawPage(): Promise<number> {
  const { openArticlePage } = await import('../stacks/page.js');
  const page = await openArticlePage(root);
  closers.push(() => page.close());
  const body = Buffer.from(await page.render('en'));
  const headers = {
    age: '0',
    'cache-control': 'no-cache',
    'content-language': 'en',
    'content-length': String(body.length),
    'content-type': 'text/html; charset=utf-8',
    'cross-origin-opener-policy': 'same-origin',
    etag: `"${createHash('sha256').update(body).digest('base64url')}"`,
    'referrer-policy': 'same-origin',
    vary: 'Accept-Language, Cookie',
    'x-content-type-options': 'nosniff',
    'x-frame-options': 'DENY',
  };
  const server = createServer((_req, res) => {
    res.writeHead(200, { ...headers, 'x-request-id': randomUUID() });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.unshift(() => new Promise((resolve) => server.close(resolve)));
  return (server.address() as { port: number }).port;
}

async function start(): Promise<number> {
  if (target === 'raw') return startRaw();
  if (target === 'raw-page') return startRawPage();
  if (target === 'cached') return startDemo(PAGE_CACHE_SECONDS, []);
  if (target === 'uncached') return startDemo(0, []);
  if (target === 'express' || target === 'fastify') return startStack(target, true);
  if (target === 'express-uncached') return startStack('express', false);
  if (target === 'fastify-uncached') return startStack('fastify', false);
  const layer = target.replace(/^without-/, '');
  if (target.startsWith('without-') && (LAYERS as readonly string[]).includes(layer)) {
    return startDemo(PAGE_CACHE_SECONDS, [layer]);
  }
  throw new Error(`bench/demo targets: unknown target ${JSON.stringify(target)}`);
}

/**
 * `BENCH_CPU_PROFILE=<file>` (bench/demo/profile.ts): the V8 sampling profiler runs from SIGUSR2
 * (sent after the warm-up, so start-up and compilation stay out) to SIGTERM, and the profile is
 * written to <file> (a .cpuprofile: Chrome DevTools, speedscope).
 */
const profileFile = process.env.BENCH_CPU_PROFILE;
const profiler = profileFile ? new Session() : undefined;
if (profiler) {
  profiler.connect();
  await profiler.post('Profiler.enable');
  await profiler.post('Profiler.setSamplingInterval', { interval: 200 });
  process.on('SIGUSR2', () => void profiler.post('Profiler.start'));
}

process.stdout.write(`PORT ${await start()}\n`);

process.once('SIGTERM', async () => {
  if (profiler && profileFile) {
    const { profile } = await profiler.post('Profiler.stop');
    writeFileSync(profileFile, JSON.stringify(profile));
  }
  for (const close of closers) await close();
  rmSync(root, { recursive: true, force: true });
  process.exit(0);
});
