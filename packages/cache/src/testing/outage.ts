/**
 * The outage contract every server-backed cache passes: with the server unreachable from the
 * start, killed mid-run or frozen, every call settles with its documented result and the cache
 * recovers without a restart once the server is back on the same port. Servers are real
 * processes that the subject starts, kills, freezes and thaws.
 */
import assert from 'node:assert/strict';
import { freePort } from '@adv/types/testing';
import { createCache } from '../create-cache.js';
import type { CacheOptions } from '../options.js';
import { type ContractCache, eventually, type TestRunner, uniquePrefix } from './runner.js';

/** A server the suite started through {@link OutageSubject.start}. */
export interface OutageServer {
  /** The loopback port it listens on. */
  readonly port: number;
  /** Kills it (SIGKILL, no goodbye) and resolves once it is gone. */
  stop(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing answers. */
  freeze(): void;
  /** Thaws a frozen server (SIGCONT). */
  thaw(): void;
}

/** The backend under test. */
export interface OutageSubject {
  /** Starts a server of the suite's own on 127.0.0.1, on `port` when given (a restart). */
  start(port?: number): Promise<OutageServer>;
  /** The server's URL on `port` of 127.0.0.1. */
  url(port: number): string;
  /** Options of `createCache` that select this backend at `url` (`{ url }` for Redis, memcached). */
  options(url: string): CacheOptions;
}

/** A `timeout` no test could sit out: a call that waited for it would hang the test. */
const NEVER = 600_000;
const RECOVERY_MS = 20_000;
/**
 * The `timeout` of the frozen test. Its caches make live calls too, before the freeze and after
 * the thaw, and each must be answered within it: on a busy CI machine the event loop can stall
 * for a second or more, and a deadline timer that fires before the waiting reply is read fails
 * a call to a server that did answer.
 */
const FROZEN_TIMEOUT = 5000;
const backendError = { name: 'CacheError', code: 'ERR_BACKEND' };

/** Every call's documented result while the backend is down (`onError: 'log'` and `'throw'`). */
async function expectOutageResults(log: ContractCache, strict: ContractCache): Promise<void> {
  // Keys never written: in two-tier mode an L1 copy of a written one is served (documented).
  assert.equal(await log.get('absent'), undefined);
  assert.equal(await log.has('absent'), false);
  assert.deepEqual(await log.getMany(['absent', 'absent2']), new Map());
  assert.equal(await log.set('k', 'during'), false);
  assert.equal(await log.set('tagged', 1, { tags: ['t'] }), false);
  assert.equal(await log.setMany({ a: 1, b: 2 }), false);
  assert.equal(await log.delete('absent'), false);
  assert.equal(await log.touch('absent', 10), false);
  let calls = 0;
  assert.equal(await log.getOrSet('computed', () => ++calls), 1);
  assert.equal(calls, 1);
  assert.equal(await log.invalidateTags(['t']), undefined);
  assert.equal(await log.clear(), undefined);
  // No value to fall back to, or one that would lie ("already exists"): typed errors instead.
  await assert.rejects(log.add('lock', 1), backendError);
  await assert.rejects(log.incr('counter'), backendError);
  await assert.rejects(log.decr('counter'), backendError);
  await assert.rejects(log.incrVersion('absent'), backendError);
  await assert.rejects(log.connect(), backendError);
  await assert.rejects(Promise.resolve(log.readinessCheck().check(new AbortController().signal)), backendError);

  await assert.rejects(strict.get('absent'), backendError);
  await assert.rejects(strict.set('k', 'during'), backendError);
  await assert.rejects(
    strict.getOrSet('computed', () => 'never stored'),
    backendError,
  );
  await assert.rejects(strict.getMany(['absent']), backendError);
  await assert.rejects(strict.add('lock', 1), backendError);
  await assert.rejects(strict.incr('counter'), backendError);
}

/** Waits until both caches work again (the server is back). */
async function expectRecovery(log: ContractCache, strict: ContractCache): Promise<void> {
  await eventually(async () => assert.equal(await log.set('k', 'back'), true), RECOVERY_MS, 100);
  assert.equal(await log.get('k'), 'back');
  await eventually(async () => assert.equal(await strict.get('k'), 'back'), RECOVERY_MS, 100);
  assert.equal(await strict.add('lock', 1), true);
  assert.equal(await strict.add('lock', 2), false); // now false means "exists"
  assert.equal(await log.incr('counter', 5), 5);
  assert.equal(await log.connect(), undefined);
}

/**
 * Registers the outage contract (three tests, each up to ~30 s: give your runner's `it` a
 * generous timeout) under `describe('outage contract: <name>')`.
 */
export function outageContract(runner: TestRunner, subject: OutageSubject, options: { name?: string } = {}): void {
  const pair = (url: string, timeout: number) => {
    const keyPrefix = uniquePrefix('outage');
    const warnings: unknown[][] = [];
    const logger = { debug() {}, info() {}, warn: (...args: unknown[]) => warnings.push(args), error() {} };
    const quiet = { debug() {}, info() {}, warn() {}, error() {} };
    const log = createCache({ ...subject.options(url), keyPrefix, logger, timeout });
    const strict = createCache({ ...subject.options(url), keyPrefix, logger: quiet, timeout, onError: 'throw' });
    const events: Array<{ name: string; code?: string; message: string }> = [];
    log.on('error', (error) => events.push(error));
    return { log, strict, warnings, events, close: () => Promise.all([log.close(), strict.close()]) };
  };

  runner.describe(`outage contract: ${options.name ?? 'store'}`, () => {
    runner.it('unreachable from the start: every call fails at once; recovers when the server starts', async () => {
      const port = await freePort();
      const caches = pair(subject.url(port), NEVER);
      let server: OutageServer | undefined;
      try {
        await expectOutageResults(caches.log, caches.strict);
        assert.ok(caches.events.length > 10, `expected error events, got ${caches.events.length}`);
        assert.ok(caches.events.every((error) => error.name === 'CacheError' && error.code === 'ERR_BACKEND'));
        // Logged once when it went down, not once per call.
        assert.ok(caches.warnings.length <= 2, `expected at most 2 warnings, got ${caches.warnings.length}`);
        server = await subject.start(port);
        await expectRecovery(caches.log, caches.strict);
      } finally {
        await caches.close();
        await server?.stop();
      }
    });

    runner.it('killed mid-run: the same results; recovers when restarted on the same port', async () => {
      let server = await subject.start();
      const caches = pair(subject.url(server.port), NEVER);
      try {
        await caches.strict.set('k', 'before');
        assert.equal(await caches.log.get('k'), 'before');
        assert.equal(await caches.log.incr('counter'), 1);
        await server.stop();
        await expectOutageResults(caches.log, caches.strict);
        assert.ok(caches.warnings.length <= 2, `expected at most 2 warnings, got ${caches.warnings.length}`);
        server = await subject.start(server.port);
        await expectRecovery(caches.log, caches.strict);
      } finally {
        await caches.close();
        await server.stop();
      }
    });

    runner.it('frozen: a call settles after `timeout`, later ones at once; recovers when thawed', async () => {
      const server = await subject.start();
      const caches = pair(subject.url(server.port), FROZEN_TIMEOUT);
      try {
        await caches.strict.set('k', 'before');
        await caches.log.connect();
        server.freeze();
        // Each cache waits out its own timeout once (each has its own "known down" state): together.
        const [logged, strictFailure] = await Promise.all([
          caches.log.get('absent'),
          caches.strict.get('absent').then(
            () => undefined,
            (error: unknown) => error,
          ),
        ]);
        assert.equal(logged, undefined);
        assert.match(caches.events[0]?.message ?? '', new RegExp(`no answer within ${FROZEN_TIMEOUT} ms|timed out`));
        assert.deepEqual(
          { name: (strictFailure as Error)?.name, code: (strictFailure as { code?: unknown })?.code },
          backendError,
        );
        // Known down now: the message says so, and nothing waited for another timeout.
        await assert.rejects(caches.log.add('lock', 1), /unreachable since/);
        await expectOutageResults(caches.log, caches.strict);
        server.thaw();
        await expectRecovery(caches.log, caches.strict);
      } finally {
        server.thaw();
        await caches.close();
        await server.stop();
      }
    });
  });
}
