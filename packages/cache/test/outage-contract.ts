/**
 * The outage contract every server-backed cache passes (keyv's `storageTestSuite` idea: one
 * function taking vitest's `it` and a factory): with the server unreachable from the start,
 * killed mid-run or frozen (SIGSTOP), every call settles with its documented result, `close()`
 * settles and lets the process exit, and the cache recovers without a restart once the server
 * is back on the same port. Servers are real processes, really killed and restarted.
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, type TestAPI, vi } from 'vitest';
import { freePort, type RunningService } from '../../../scripts/test-services.js';
import { type Cache, CacheError, type CacheOptions, createCache } from '../src/index.js';
import { recordingLogger } from './helpers.js';

/** The backend under test. */
export interface OutageSubject {
  /** Starts a server of the test's own, on `port` when given (a restart). */
  start(port?: number): Promise<RunningService>;
  /** The server's URL on `port` of 127.0.0.1 (as `start` gives it). */
  url(port: number): string;
  /** Options of `createCache` that select this backend at `url`. */
  options(url: string): CacheOptions;
}

/**
 * A `timeout` no test could sit out: a call that waited for it instead of failing at once
 * would make the test time out.
 */
const NEVER = 600_000;
const TEST_TIMEOUT = 60_000;
const RECOVERY = { timeout: 20_000, interval: 100 };
const child = fileURLToPath(new URL('./fixtures/outage-child.ts', import.meta.url));
let counter = 0;

const backendError = { name: 'CacheError', code: 'ERR_BACKEND' };

/** Every call's documented result while the backend is down (`onError: 'log'` and `'throw'`). */
async function expectOutageResults(log: Cache, strict: Cache): Promise<void> {
  // Keys never written: in two-tier mode an L1 copy of a written one is served (documented).
  expect(await log.get('absent')).toBeUndefined();
  expect(await log.has('absent')).toBe(false);
  expect(await log.getMany(['absent', 'absent2'])).toEqual(new Map());
  expect(await log.set('k', 'during')).toBe(false);
  expect(await log.set('tagged', 1, { tags: ['t'] })).toBe(false);
  expect(await log.setMany({ a: 1, b: 2 })).toBe(false);
  expect(await log.delete('absent')).toBe(false);
  expect(await log.touch('absent', 10)).toBe(false);
  let calls = 0;
  expect(await log.getOrSet('computed', () => ++calls)).toBe(1);
  expect(calls).toBe(1);
  await expect(log.invalidateTags(['t'])).resolves.toBeUndefined();
  await expect(log.clear()).resolves.toBeUndefined();
  // No value to fall back to, or one that would lie ("already exists"): typed errors instead.
  await expect(log.add('lock', 1)).rejects.toMatchObject(backendError);
  await expect(log.incr('counter')).rejects.toMatchObject(backendError);
  await expect(log.decr('counter')).rejects.toMatchObject(backendError);
  await expect(log.incrVersion('absent')).rejects.toMatchObject(backendError);
  await expect(log.connect()).rejects.toMatchObject(backendError);
  await expect(log.readinessCheck().check(new AbortController().signal)).rejects.toMatchObject(backendError);

  await expect(strict.get('absent')).rejects.toMatchObject(backendError);
  await expect(strict.set('k', 'during')).rejects.toMatchObject(backendError);
  await expect(strict.getOrSet('computed', () => 'never stored')).rejects.toMatchObject(backendError);
  await expect(strict.getMany(['absent'])).rejects.toMatchObject(backendError);
  await expect(strict.add('lock', 1)).rejects.toMatchObject(backendError);
  await expect(strict.incr('counter')).rejects.toMatchObject(backendError);
}

/** Waits until both caches work again (the server is back). */
async function expectRecovery(log: Cache, strict: Cache): Promise<void> {
  await vi.waitFor(async () => expect(await log.set('k', 'back')).toBe(true), RECOVERY);
  expect(await log.get('k')).toBe('back');
  await vi.waitFor(async () => expect(await strict.get('k')).toBe('back'), RECOVERY);
  expect(await strict.add('lock', 1)).toBe(true);
  expect(await strict.add('lock', 2)).toBe(false); // now false means "exists"
  expect(await log.incr('counter', 5)).toBe(5);
  await expect(log.connect()).resolves.toBeUndefined();
}

/** Runs the outage contract against one backend. */
export function outageContractSuite(it: TestAPI, subject: OutageSubject): void {
  const pair = (url: string, timeout: number) => {
    const keyPrefix = `outage${process.pid}x${++counter}`;
    const logger = recordingLogger();
    const log = createCache({ ...subject.options(url), keyPrefix, logger, timeout });
    const strict = createCache({
      ...subject.options(url),
      keyPrefix,
      logger: recordingLogger(),
      timeout,
      onError: 'throw',
    });
    const events: CacheError[] = [];
    log.on('error', (error) => events.push(error));
    return { log, strict, logger, events, close: () => Promise.all([log.close(), strict.close()]) };
  };

  it(
    'unreachable from the start: every call fails at once with its documented result; recovers when the server starts',
    async () => {
      const port = await freePort();
      const caches = pair(subject.url(port), NEVER);
      let server: RunningService | undefined;
      try {
        await expectOutageResults(caches.log, caches.strict);
        expect(caches.events.length).toBeGreaterThan(10);
        expect(caches.events.every((error) => error instanceof CacheError && error.code === 'ERR_BACKEND')).toBe(true);
        // Logged once when it went down, not once per call.
        expect(caches.logger.warnings.length).toBeLessThanOrEqual(2);
        server = await subject.start(port);
        await expectRecovery(caches.log, caches.strict);
      } finally {
        await caches.close();
        await server?.stop();
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'killed mid-run: the same results as unreachable from the start; recovers when restarted on the same port',
    async () => {
      let server = await subject.start();
      const caches = pair(subject.url(server.port), NEVER);
      try {
        await caches.strict.set('k', 'before');
        expect(await caches.log.get('k')).toBe('before');
        expect(await caches.log.incr('counter')).toBe(1);
        await server.stop(); // SIGKILL
        await expectOutageResults(caches.log, caches.strict);
        expect(caches.logger.warnings.length).toBeLessThanOrEqual(2);
        server = await subject.start(server.port);
        await expectRecovery(caches.log, caches.strict);
      } finally {
        await caches.close();
        await server.stop();
      }
    },
    TEST_TIMEOUT,
  );

  it(
    'frozen (SIGSTOP): a call settles after `timeout` with the documented result, later ones at once; recovers on SIGCONT',
    async () => {
      const server = await subject.start();
      const caches = pair(subject.url(server.port), 500);
      try {
        await caches.strict.set('k', 'before');
        await caches.log.connect();
        server.process.kill('SIGSTOP');
        expect(await caches.log.get('absent')).toBeUndefined();
        expect(caches.events[0]?.message).toMatch(/no answer within 500 ms|timed out/);
        await expect(caches.strict.get('absent')).rejects.toMatchObject(backendError);
        // Known down now: the message says so, and nothing waited for another timeout.
        await expect(caches.log.add('lock', 1)).rejects.toThrow(/unreachable since/);
        await expectOutageResults(caches.log, caches.strict);
        server.process.kill('SIGCONT');
        await expectRecovery(caches.log, caches.strict);
      } finally {
        server.process.kill('SIGCONT');
        await caches.close();
        await server.stop();
      }
    },
    TEST_TIMEOUT,
  );

  it('close() settles and leaves nothing that keeps the process alive (unreachable and frozen servers)', async () => {
    const server = await subject.start();
    await server.stop();
    const frozen = await subject.start();
    frozen.process.kill('SIGSTOP');
    try {
      for (const url of [subject.url(server.port), subject.url(frozen.port)]) {
        // The child exits by itself or is killed after 60 s (then execFile rejects).
        const { stdout } = await promisify(execFile)(
          process.execPath,
          ['--import', 'tsx', child, JSON.stringify(subject.options(url))],
          { timeout: 60_000 },
        );
        expect(stdout.trim().split('\n')).toEqual(['get: undefined', 'add: ERR_BACKEND', 'closed']);
      }
    } finally {
      frozen.process.kill('SIGCONT');
      await frozen.stop();
    }
  }, 150_000);
}
