import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createTaskApp, type TaskApp } from '../src/index.js';
import { sqliteBackend } from '../src/sqlite.js';
import { rejection, until } from './helpers.js';

const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/sqlite-worker.mjs', import.meta.url));
// The children run the built package, as users do (turbo builds before testing).
if (!existsSync(fileURLToPath(new URL('../dist/sqlite.js', import.meta.url))))
  throw new Error('dist/sqlite.js is missing: run `npx tsc -p packages/tasks` before these tests');

const dir = mkdtempSync(join(tmpdir(), 'adv-tasks-sqlite-processes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let runs = 0;

interface Child {
  process: ChildProcess;
  output: () => string;
  exited: Promise<unknown[]>;
}

function spawnChild(args: string[], env: Record<string, string>): Child {
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  return { process: child, output: () => output, exited: once(child, 'exit') };
}

/** Starts `adv-tasks worker` on the fixture and waits until it reports it is consuming. */
async function startWorker(env: Record<string, string>): Promise<Child> {
  const child = spawnChild([cli, 'worker', '--module', fixture, '--concurrency', '2'], env);
  await until(() => child.output().includes('worker started') || child.process.exitCode !== null, 20_000);
  if (child.process.exitCode !== null) throw new Error(`worker exited early:\n${child.output()}`);
  return child;
}

async function kill(child: Child, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return;
  child.process.kill(signal);
  await child.exited;
}

const lines = (file: string) => (existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : []);

describe('sqlite backend across processes', { timeout: 60_000 }, () => {
  const children: Child[] = [];
  const apps: TaskApp[] = [];
  afterEach(async () => {
    await Promise.all(children.splice(0).map((child) => kill(child)));
    await Promise.all(apps.splice(0).map((app) => app.close({ timeout: 1000 })));
  });

  const setup = () => {
    runs += 1;
    const env = { DB: join(dir, `run-${runs}.db`), LOG: join(dir, `run-${runs}.log`) };
    const app = createTaskApp({ backend: sqliteBackend({ filename: env.DB }) });
    apps.push(app);
    const slow = app.defineTask<{ ms: number }, number>('slow', () => 0);
    return { env, app, slow };
  };

  it('runs the job of a worker SIGKILLed mid-task again in another worker once its lease expired', async () => {
    const { env, slow } = setup();
    // The first worker holds the job until it is killed (the second runs it in 1.5 s): a kill
    // that comes late on a busy machine still finds it mid-task.
    const first = await startWorker({ ...env, HOLD_MS: '600000' });
    children.push(first);
    const handle = await slow.enqueue({ ms: 1500 });
    const firstPid = first.process.pid;
    await until(() => lines(env.LOG).includes(`start:${firstPid}:${handle.id}`), 20_000);
    await kill(first); // no chance to finish, release the job or write anything
    expect(await handle.status()).toBe('active'); // still claimed by the dead worker, until its lease expires
    const second = await startWorker(env);
    children.push(second);
    expect(await handle.result({ timeout: 40_000 })).toBe(second.process.pid);
    const log = lines(env.LOG);
    expect(log).not.toContain(`done:${firstPid}:${handle.id}`);
    expect(log).toContain(`done:${second.process.pid}:${handle.id}`);
    expect((await handle.info())?.attemptsMade).toBe(1); // a lost lease is not a failed attempt
  });

  it('runs a job enqueued by a process SIGKILLed right after the enqueue committed, once a worker starts', async () => {
    const { env, app } = setup();
    const producer = spawnChild([fixture], { ...env, ENQUEUE_AND_DIE: 'enqueued-then-killed' });
    const [code, signal] = await producer.exited;
    expect([code, signal]).toEqual([null, 'SIGKILL']);
    const handle = app.handle<number>('enqueued-then-killed');
    expect(await handle.status()).toBe('waiting');
    const worker = await startWorker(env);
    children.push(worker);
    expect(await handle.result({ timeout: 20_000 })).toBe(worker.process.pid);
  });

  it('cancels a job active in another process: it ends cancelled at once, and that worker aborts its signal', async () => {
    const { env, slow } = setup();
    const worker = await startWorker(env);
    children.push(worker);
    const handle = await slow.enqueue({ ms: 20_000 });
    await until(() => lines(env.LOG).includes(`start:${worker.process.pid}:${handle.id}`), 20_000);
    expect(await handle.cancel()).toBe(true);
    expect(await handle.status()).toBe('cancelled');
    expect((await rejection(handle.result({ timeout: 1000 }))).code).toBe('ERR_CANCELLED');
    // The worker notices at its next lease renewal (every leaseDuration / 3).
    await until(() => lines(env.LOG).includes(`abort:${worker.process.pid}:${handle.id}:ERR_CANCELLED`), 20_000);
  });

  it('runs each tick of one schedule once, with three worker processes declaring it', async () => {
    const { env, app } = setup();
    const started = Date.now();
    const workers = await Promise.all([1, 2, 3].map(() => startWorker({ ...env, SCHEDULE_EVERY: '300' })));
    children.push(...workers);
    await until(() => lines(env.LOG).filter((line) => line.startsWith('tick:')).length >= 6, 30_000);
    const ticks = lines(env.LOG).filter((line) => line.startsWith('tick:'));
    const jobIds = ticks.map((line) => line.split(':').slice(2).join(':'));
    expect(new Set(jobIds).size).toBe(jobIds.length);
    // Three copies of the schedule would tick about three times as often as one.
    expect(ticks.length).toBeLessThanOrEqual(Math.ceil((Date.now() - started) / 300) + 3);
    expect((await app.schedules()).map((schedule) => schedule.id)).toEqual(['tick-every']);
  });

  it('leaves no handle open after close(): a process that ran a job and closed exits by itself', async () => {
    const { env } = setup();
    const child = spawnChild([fixture], { ...env, ROUND_TRIP: '1' });
    const [code] = await child.exited;
    expect(child.output()).toBe('');
    expect(code).toBe(0);
    expect(lines(env.LOG)).toContain(`round-trip:${child.process.pid}`);
  });
});
