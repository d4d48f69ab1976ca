import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemo, type Demo } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { databaseEnv, onPostgres } from './databases.js';
import { BASE, postForm } from './helpers.js';

/** A real SMTP server on loopback that keeps what it receives. */
const received: { to: string[]; data: string }[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      received.push({
        to: session.envelope.rcptTo.map((r) => r.address),
        data: Buffer.concat(chunks).toString('utf8'),
      });
      callback();
    });
  },
});

let env: Record<string, string>;
let database: Awaited<ReturnType<typeof databaseEnv>>;
const dataDir = mkdtempSync(join(tmpdir(), 'adv-demo-durable-'));
const open: Demo[] = [];

beforeAll(async () => {
  smtp.listen(0, '127.0.0.1');
  await once(smtp.server, 'listening');
  const { port } = smtp.server.address() as AddressInfo;
  database = await databaseEnv();
  env = {
    LOG_LEVEL: 'silent',
    EMAIL_URL: `smtp://127.0.0.1:${port}`,
    EMAIL_FROM: 'board@example.com',
    ...database.env,
  };
});
afterAll(async () => {
  for (const demo of open) await demo.close().catch(() => {});
  await database?.drop();
  rmSync(dataDir, { recursive: true, force: true });
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

/** A demo on the shared data folder (and database): the same app started again after a stop. */
async function start(processTasks: boolean): Promise<Demo> {
  const config = loadConfig(env, { dataDir, staticRoot: join(dataDir, 'static'), exportChunkDelayMs: 0 });
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
    expect(received).toEqual([]);

    // The next process (a deploy, a crash and restart) finds the job and sends the e-mail.
    await start(true);
    await expect.poll(() => received.length, { timeout: 20_000 }).toBe(1);
    expect(received[0]!.to).toEqual(['ada@example.com']);
    expect(received[0]!.data).toContain('Noor commented on your article');
  });
});
