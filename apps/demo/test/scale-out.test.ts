import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Server, serve } from '@adv/async';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { WebSocket } from 'ws';
import { createDemo, type Demo } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { databaseEnv, onPostgres } from './databases.js';

const redisUrl = inject('redisUrl');
/** A Redis database of its own: other suites run against the same server in parallel. */
const DB = onPostgres ? 12 : 11;

const database = onPostgres ? 'PostgreSQL' : 'the SQLite file';

describe.runIf(redisUrl)(`scale-out: two app processes sharing Redis and ${database}`, () => {
  const url = `${redisUrl}/${DB}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'adv-demo-scale-'));
  const apps: { demo: Demo; server: Server }[] = [];
  let dropDatabase = async () => {};

  beforeAll(async () => {
    const redis = new Redis(url);
    await redis.flushdb();
    redis.disconnect();
    const shared = await databaseEnv();
    dropDatabase = shared.drop;
    for (let i = 0; i < 2; i++) {
      // DEPENDENCY_TIMEOUT_MS bounds each after-commit callback (cache invalidation, broadcast):
      // past it the write answers while the callback goes on, so on a busy machine the other
      // process could read the list before it was dropped. These tests are about delivery, not
      // that bound (fault-injection.test.ts is): a bound against a hang only.
      const config = loadConfig(
        { LOG_LEVEL: 'silent', REDIS_URL: url, DEPENDENCY_TIMEOUT_MS: '30000', ...shared.env },
        { dataDir, staticRoot: join(dataDir, `static-${i}`), exportChunkDelayMs: 0 },
      );
      const demo = await createDemo(config);
      const server = await serve(demo.handler, { port: 0, host: '127.0.0.1', websocket: demo.websocket });
      demo.setBaseUrl(server.url);
      apps.push({ demo, server });
    }
  }, 60_000);

  afterAll(async () => {
    for (const { demo, server } of apps) {
      await server.close();
      await demo.close();
    }
    await dropDatabase();
    rmSync(dataDir, { recursive: true, force: true });
  }, 30_000);

  const post = (base: string, path: string, fields: Record<string, string>) =>
    fetch(`${base}${path}`, {
      method: 'POST',
      redirect: 'manual',
      headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields),
    });

  it('uses the shared backends', () => {
    for (const { demo } of apps) {
      expect(demo.cache.backendInfo.sharedAcrossProcesses).toBe(true);
      expect(demo.layer.backendInfo.sharedAcrossProcesses).toBe(true);
      expect(demo.tasks.app.backend.backendInfo.sharedAcrossProcesses).toBe(true);
      expect(demo.db.dialect).toBe(onPostgres ? 'postgres' : 'sqlite');
    }
  });

  it('delivers a comment posted through one process to a page connected to the other, and e-mails once', async () => {
    const [a, b] = [apps[0]!.server.url, apps[1]!.server.url];
    const socket = new WebSocket(`${b.replace('http', 'ws')}/ws/articles?article=1`, { origin: b });
    const messages: unknown[] = [];
    socket.on('message', (data) => messages.push(JSON.parse(String(data))));
    await new Promise((resolve, reject) => {
      socket.once('open', resolve);
      socket.once('error', reject);
    });
    try {
      expect((await post(a, '/articles/1/comments', { author: 'Across', body: 'from process A' })).status).toBe(303);
      await expect
        .poll(() => messages, { timeout: 15_000 })
        .toContainEqual(
          expect.objectContaining({ type: 'comment', comment: expect.objectContaining({ body: 'from process A' }) }),
        );
    } finally {
      socket.close();
    }
    const outbox = join(dataDir, 'outbox');
    await expect.poll(() => (existsSync(outbox) ? readdirSync(outbox).length : 0), { timeout: 15_000 }).toBe(1);
  });

  it('drops the cached list in every process when an article is saved in one', async () => {
    const [a, b] = [apps[0]!.server.url, apps[1]!.server.url];
    await (await fetch(`${b}/`)).text();
    await expect.poll(async () => (await fetch(`${b}/`)).headers.has('age'), { timeout: 10_000 }).toBe(true);
    const created = await post(a, '/articles', {
      author: 'Ann',
      email: 'ann@example.com',
      title: 'Seen everywhere',
      body: 'x',
    });
    expect(created.status).toBe(303);
    const page = await fetch(`${b}/`);
    expect(page.headers.has('age')).toBe(false);
    expect(await page.text()).toContain('Seen everywhere');
  });
});
