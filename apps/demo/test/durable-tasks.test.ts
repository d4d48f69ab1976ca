import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createDemo, type Demo } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { databaseEnv, onPostgres } from './databases.js';
import { BASE, postForm } from './helpers.js';
import { startSmtp, type TestSmtp } from './smtp-server.js';

/** Our own Redis, to stop and start again (the monorepo's scripts/test-services.ts). */
interface Service {
  url: string;
  port: number;
  stop(): Promise<void>;
}
const servicesFile = fileURLToPath(new URL('../../../scripts/test-services.ts', import.meta.url));
// Outside the monorepo (an app made with npm create adv) there is no such file: the suite is skipped.
const services =
  inject('redisUrl') && existsSync(servicesFile)
    ? ((await import(servicesFile)) as { startRedis(port?: number): Promise<Service> })
    : null;

let env: Record<string, string>;
let database: Awaited<ReturnType<typeof databaseEnv>>;
const dataDir = mkdtempSync(join(tmpdir(), 'adv-demo-durable-'));
const open: Demo[] = [];
const redises: Service[] = [];

let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startSmtp();
  database = await databaseEnv();
  env = {
    LOG_LEVEL: 'silent',
    EMAIL_URL: smtp.url,
    EMAIL_FROM: 'board@example.com',
    ...database.env,
  };
});
afterAll(async () => {
  for (const demo of open) await demo.close().catch(() => {});
  for (const redis of redises) await redis.stop();
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
  await smtp?.close();
});

/** A demo on the shared data folder (and database): the same app started again after a stop. */
async function start(processTasks: boolean, extra: Record<string, string> = {}): Promise<Demo> {
  const config = loadConfig(
    { ...env, ...extra },
    { dataDir, staticRoot: join(dataDir, 'static'), exportChunkDelayMs: 0 },
  );
  const demo = await createDemo(config, { processTasks });
  open.push(demo);
  return demo;
}

describe(`tasks survive a restart (${onPostgres ? 'PostgreSQL' : 'SQLite'} backend, the default without Redis)`, () => {
  it('runs on the board’s own database, not in memory', async () => {
    const demo = await start(false);
    expect(demo.tasks.store).toBe(onPostgres ? 'postgres' : 'sqlite');
    await demo.close();
    open.pop();
  });

  it('sends the e-mail of a comment saved just before the process stopped, once it runs again', async () => {
    // A process whose worker never ran the job: the comment commits with its job, then it stops.
    const first = await start(false);
    const response = await first.handler(
      postForm(`${BASE}/articles/1/comments`, { author: 'Noor', body: 'Before the deploy' }),
    );
    expect(response.status).toBe(303);
    expect((await first.tasks.app.stats()).waiting).toBe(1);
    await first.close();
    expect(smtp.received).toEqual([]);

    // The next process (a deploy, a crash and restart) finds the job and sends the e-mail.
    await start(true);
    await expect.poll(() => smtp.received.length, { timeout: 20_000 }).toBe(1);
    expect(smtp.received[0]!.to).toEqual(['ada@example.com']);
    expect(smtp.received[0]!.data).toContain('Noor commented on your article');
  });
});

describe.runIf(services)(
  `with REDIS_URL: BullMQ and the outbox in the ${onPostgres ? 'PostgreSQL' : 'SQLite'} board`,
  () => {
    it('sends the e-mail of a comment saved while Redis was down once Redis is back, exactly once', async () => {
      smtp.received.length = 0;
      const redis = await services!.startRedis();
      redises.push(redis);
      const demo = await start(true, { REDIS_URL: redis.url, DEPENDENCY_TIMEOUT_MS: '500' });
      expect(demo.tasks.store).toBe('bullmq');
      await redis.stop();

      const response = await demo.handler(
        postForm(`${BASE}/articles/1/comments`, { author: 'Omar', body: 'During the outage' }),
      );
      expect(response.status).toBe(303);
      expect((await demo.board.comments.forArticle(1)).map((c) => c.body)).toContain('During the outage');
      expect(smtp.received).toEqual([]);

      redises.push(await services!.startRedis(redis.port));
      await expect.poll(() => smtp.received.length, { timeout: 45_000 }).toBe(1);
      expect(smtp.received[0]!.data).toContain('Omar commented on your article');
      // Once sent, nothing is left to relay and the job ran once (no second e-mail on a resend).
      await expect.poll(async () => (await demo.tasks.app.stats()).completed, { timeout: 15_000 }).toBeGreaterThan(0);
      const notifications = (await demo.tasks.app.list('completed', { end: 100 })).filter(
        (job) => job.data.task === 'notify-comment',
      );
      expect(notifications).toHaveLength(1);
      expect(smtp.received).toHaveLength(1);
    });
  },
);
