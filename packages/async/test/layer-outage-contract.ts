/**
 * The outage contract every channel layer passes (keyv's `storageTestSuite` idea: one function
 * taking vitest's `it` and a factory). Memory has no server: its calls settle and `close()`
 * lets the process exit. A server-backed layer is run against a real server of the test's own,
 * really killed (SIGKILL), frozen (SIGSTOP) and restarted on the same port: every call settles
 * with `ERR_BACKEND` within the layer's `unavailableTimeout`, unreachable-at-start behaves like
 * died-later, `close()` settles and leaves no handle, and the layer recovers without a restart
 * (memberships written again, subscriptions restored).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { expect, type TestAPI } from 'vitest';
import { freePort, type RunningService } from '../../../scripts/test-services.js';
import type { ChannelLayer } from '../src/index.js';
import { until } from './helpers.js';

/** The layer under test. */
export interface LayerOutageSubject {
  /** A fresh layer in this process, on the server at `url` when there is one. */
  make(options: { unavailableTimeout: number }, url?: string): ChannelLayer;
  /** How the child process makes the same layer: an entry file, its factory export, and the options for `url`. */
  child: {
    entry: string;
    factory: string;
    options(url: string | undefined, unavailableTimeout: number): Record<string, unknown>;
  };
  /** For a server-backed layer: starts a server of the test's own (on `port` for a restart). */
  server?: { start(port?: number): Promise<RunningService>; url(port: number): string };
}

const run = promisify(execFile);
const childScript = fileURLToPath(new URL('./fixtures/layer-outage-child.ts', import.meta.url));
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const TEST_TIMEOUT = 90_000;
/** The bound the server tests give their layers (ms): what the caller waits at most. */
const BOUND = 1_000;
/** A bound no test could sit out: a call that settles anyway was failed by something else. */
const NEVER = 600_000;
const backendError = { name: 'AsyncError', code: 'ERR_BACKEND' };
const ops = ['groupAdd', 'groupSend', 'groupMembers', 'groupDiscard', 'send'] as const;

/** Runs every call on `layer` at once; resolves with how each settled and how long it took. */
async function everyCall(layer: ChannelLayer, member: string, remote: string) {
  const calls = {
    groupAdd: () => layer.groupAdd('during', member),
    groupSend: () => layer.groupSend('room', { during: true }),
    groupMembers: () => layer.groupMembers('room'),
    groupDiscard: () => layer.groupDiscard('room', member),
    send: () => layer.send(remote, { direct: true }),
  };
  const settled: Record<string, { error: unknown; ms: number }> = {};
  await Promise.all(
    ops.map(async (name) => {
      const started = performance.now();
      const error = await calls[name]().then(
        () => undefined,
        (reason: unknown) => reason,
      );
      settled[name] = { error, ms: Math.round(performance.now() - started) };
    }),
  );
  return settled;
}

/** Prints the measured figures (for the README's "When the server is down"); never asserted on. */
function report(label: string, settled: Record<string, { ms: number }>): void {
  const figures = Object.entries(settled).map(([name, { ms }]) => `${name} ${ms} ms`);
  console.info(`[outage contract] ${label}: ${figures.join(', ')}`);
}

export function channelLayerOutageContract(it: TestAPI, subject: LayerOutageSubject): void {
  const { server } = subject;

  it(server
    ? 'unreachable from the start: every call rejects with ERR_BACKEND, close() settles, the process exits by itself'
    : 'every call settles, close() settles, and the process exits by itself', { timeout: TEST_TIMEOUT }, async () => {
    const url = server ? server.url(await freePort()) : undefined; // nothing listens there
    const spec = {
      entry: subject.child.entry,
      factory: subject.child.factory,
      options: subject.child.options(url, BOUND),
    };
    // The child is not killed by a timer of ours: it must end by itself once close() settled.
    const { stdout } = await run(process.execPath, ['--import', 'tsx', childScript, JSON.stringify(spec)], {
      cwd: packageDir,
    });
    const results = JSON.parse(stdout) as Record<string, { settled: string; ms: number }>;
    for (const name of ops) expect(results[name]?.settled, name).toBe(server ? 'ERR_BACKEND' : 'resolved');
    expect(results.close?.settled).toBe('resolved');
    report(server ? `child, unreachable at start, unavailableTimeout ${BOUND} ms` : 'child', results);
  });

  if (server === undefined) return;

  it('killed mid-run: every call rejects with ERR_BACKEND; back on the same port, it recovers without a restart', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    let redis = await server.start();
    const url = server.url(redis.port);
    const one = subject.make({ unavailableTimeout: BOUND }, url);
    const two = subject.make({ unavailableTimeout: BOUND }, url);
    for (const layer of [one, two]) layer.on('error', () => {});
    try {
      const member = one.newChannel();
      const remote = two.newChannel();
      await one.groupAdd('room', member);
      await two.groupSend('room', 'before');
      expect(await one.receive(member)).toBe('before');

      await redis.stop(); // SIGKILL: no goodbye on the sockets' other end
      const settled = await everyCall(one, one.newChannel(), remote);
      for (const name of ops) expect(settled[name]?.error, name).toMatchObject(backendError);
      report(`killed, unavailableTimeout ${BOUND} ms`, settled);
      // Local members got the group message before the publish failed (documented), and a
      // channel of this process still gets direct messages: neither needs Redis.
      expect(await one.receive(member)).toEqual({ during: true });
      const own = one.newChannel();
      await one.send(own, 'local');
      expect(await one.receive(own)).toBe('local');

      redis = await server.start(redis.port); // an empty Redis: memberships and subscriptions are gone
      const restarted = performance.now();
      // Memberships written again, and the subscriptions restored, without a restart of either layer.
      await until(async () => (await two.groupMembers('room').catch(() => [])).includes(member), 30_000);
      report('recovered', { 'membership back after restart': { ms: Math.round(performance.now() - restarted) } });
      await until(async () => {
        await two.groupSend('room', 'after').catch(() => {});
        return (await one.receive(member, AbortSignal.timeout(200)).catch(() => 'nothing')) === 'after';
      }, 30_000);
      await two.send(member, 'direct after');
      expect(await one.receive(member)).toBe('direct after');
      const late = one.newChannel();
      await one.groupAdd('room', late);
      expect((await two.groupMembers('room')).sort()).toEqual([late, member].sort());
    } finally {
      await Promise.all([one.close(), two.close()]);
      await redis.stop();
    }
  });

  it('unreachable from the start, then the server starts: the same layer works without a restart', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const port = await freePort();
    const layer = subject.make({ unavailableTimeout: BOUND }, server.url(port));
    layer.on('error', () => {});
    let redis: RunningService | undefined;
    try {
      const channel = layer.newChannel();
      await expect(layer.groupAdd('late', channel)).rejects.toMatchObject(backendError);
      expect(await layer.groupMembers('late').catch((error: unknown) => error)).toMatchObject(backendError);
      redis = await server.start(port);
      await until(
        async () =>
          await layer.groupAdd('late', channel).then(
            () => true,
            () => false,
          ),
        30_000,
      );
      expect(await layer.groupMembers('late')).toEqual([channel]);
      await layer.groupSend('late', 'hello');
      expect(await layer.receive(channel)).toBe('hello');
    } finally {
      await layer.close();
      await redis?.stop();
    }
  });

  it('frozen (SIGSTOP): calls get no answer and reject with ERR_BACKEND; close() settles', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const redis = await server.start();
    const layer = subject.make({ unavailableTimeout: BOUND }, server.url(redis.port));
    layer.on('error', () => {});
    try {
      const member = layer.newChannel();
      await layer.groupAdd('room', member);
      redis.process.kill('SIGSTOP');
      const settled = await everyCall(layer, layer.newChannel(), 'another-process.ws!abc');
      for (const name of ops) expect(settled[name]?.error, name).toMatchObject(backendError);
      report(`frozen, unavailableTimeout ${BOUND} ms`, settled);
      await layer.close();
    } finally {
      redis.process.kill('SIGCONT');
      await redis.stop();
    }
  });

  it('close() during an outage fails the calls still waiting with ERR_CLOSED at once', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const redis = await server.start();
    const layer = subject.make({ unavailableTimeout: NEVER }, server.url(redis.port));
    layer.on('error', () => {});
    const channel = layer.newChannel();
    await layer.groupAdd('room', channel);
    await redis.stop();
    const waiting = [layer.groupMembers('room'), layer.groupSend('room', 1), layer.groupAdd('other', channel)];
    for (const call of waiting) call.catch(() => {});
    await layer.close(); // with a bound of 10 minutes: settling proves it did not wait for it
    for (const call of waiting) await expect(call).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    await expect(layer.groupSend('room', 1)).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });
}
