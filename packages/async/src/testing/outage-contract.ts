import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { extname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { OptionKeys } from '@adv/types';
import type { ChannelLayer } from '../layers/types.js';
import { asyncOptions } from '../validate.js';
import { freePort, inGroup, type TestRunner, until } from './runner.js';

/** Makes a layer with the given bound, on the server at `url` when the layer has one. */
export type OutageLayerFactory = (
  options: { unavailableTimeout: number },
  url?: string,
) => ChannelLayer | Promise<ChannelLayer>;

/** A running server of the test's own, which the suite kills, freezes and restarts. */
export interface OutageServerHandle {
  /** The port it listens on (a restart reuses it). */
  port: number;
  /** Kills it with no goodbye on the sockets (SIGKILL) and resolves once it is gone. */
  stop(): Promise<void>;
  /** Freezes it (SIGSTOP): connections stay open, nothing is answered. */
  freeze(): void;
  /** Lets a frozen server run again (SIGCONT), so `stop()` can end it. */
  thaw(): void;
}

/** How the suite starts the layer's server and addresses it. */
export interface OutageServer {
  /** Starts a fresh, empty server: on `port` when given (a restart), else on any free port. */
  start(port?: number): Promise<OutageServerHandle>;
  /** The URL the factory gets for a server on `port`. */
  url(port: number): string;
}

/** How a child process makes the same layer (the "exits by itself" test). */
export interface OutageChild {
  /** Absolute path, `file:` URL or package name of a module exporting the factory. */
  entry: string;
  /** Name of the factory export, called with `options(...)`. */
  factory: string;
  /** The factory's options for `url` (none for a layer without a server) and the bound. */
  options(url: string | undefined, unavailableTimeout: number): Record<string, unknown>;
  /** Node flags for the child, e.g. `['--import', 'tsx']` when `entry` is TypeScript. */
  execArgv?: string[] | undefined;
}

/** Options of {@link channelLayerOutageContract}. */
export interface OutageContractOptions {
  /** The layer's server, for a server-backed layer; without it only the child test runs. */
  server?: OutageServer | undefined;
  /** The child-process test; without it that test is not registered. */
  child?: OutageChild | undefined;
  /**
   * Where the measured figures go (never asserted on).
   * @defaultValue `console.info`
   */
  report?: ((line: string) => void) | undefined;
  /**
   * Title of the `describe` group, when the runner's `describe` is passed.
   * @defaultValue `'channel layer outage contract'`
   */
  title?: string | undefined;
}

const KEYS: OptionKeys<OutageContractOptions> = { server: true, child: true, report: true, title: true };
const DEFAULTS = { report: (line: string) => console.info(line), title: 'channel layer outage contract' } as const;

const run = promisify(execFile);
const here = fileURLToPath(import.meta.url);
const childScript = fileURLToPath(new URL(`./outage-child${extname(here)}`, import.meta.url));
const TEST_TIMEOUT = 90_000;
/**
 * The bound the server tests give their layers (ms): what the caller waits at most. The same
 * layers make live calls before and after the outage, and each must be answered within it: on a
 * busy CI machine the event loop can stall for a second or more, and a deadline timer that runs
 * before the waiting reply is read fails a call the server did answer. The layer's default.
 */
const BOUND = 5_000;
/** A bound no test could sit out: a call that settles anyway was failed by something else. */
const NEVER = 600_000;
const backendError = { name: 'AsyncError', code: 'ERR_BACKEND' };
const ops = ['groupAdd', 'groupSend', 'groupMembers', 'groupDiscard', 'send'] as const;
type Settled = Record<string, { error: unknown; ms: number }>;
type Report = (label: string, settled: Record<string, { ms: number }>) => void;

/** Runs every call on `layer` at once; resolves with how each settled and how long it took. */
async function everyCall(layer: ChannelLayer, member: string, remote: string): Promise<Settled> {
  const calls = {
    groupAdd: () => layer.groupAdd('during', member),
    groupSend: () => layer.groupSend('room', { during: true }),
    groupMembers: () => layer.groupMembers('room'),
    groupDiscard: () => layer.groupDiscard('room', member),
    send: () => layer.send(remote, { direct: true }),
  };
  const settled: Settled = {};
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

function assertBackendErrors(settled: Settled): void {
  for (const name of ops) {
    const error = settled[name]?.error as { name?: unknown; code?: unknown } | undefined;
    assert.deepEqual({ name: error?.name, code: error?.code }, backendError, name);
  }
}

/**
 * The outage contract every channel layer passes (keyv's `storageTestSuite` idea). A layer
 * without a server: its calls settle and `close()` lets the process exit. A server-backed layer
 * is run against a real server of the test's own, really killed (SIGKILL), frozen (SIGSTOP) and
 * restarted on the same port through the `server` hooks: every call settles with `ERR_BACKEND`
 * within the layer's `unavailableTimeout`, unreachable-at-start behaves like died-later,
 * `close()` settles and leaves no handle, and the layer recovers without a restart
 * (memberships written again, subscriptions restored). Uses `node:assert/strict` only.
 *
 * @param runner - The test runner's `it` (and optionally `describe`); tests pass a 90 s timeout.
 * @param factory - Makes a layer with `unavailableTimeout`, on the server at `url`.
 * @param options - The `server` hooks and the `child` spec.
 */
export function channelLayerOutageContract(
  runner: TestRunner,
  factory: OutageLayerFactory,
  options?: OutageContractOptions,
): void {
  const o = asyncOptions('channelLayerOutageContract', options, KEYS, DEFAULTS);
  if (typeof runner?.it !== 'function')
    throw new TypeError('Expected `runner` to be an object with the test runner’s `it` (and optionally `describe`)');
  if (typeof factory !== 'function') throw new TypeError('Expected `factory` to be a function returning a layer');
  const report: Report = (label, settled) => {
    const figures = Object.entries(settled).map(([name, { ms }]) => `${name} ${ms} ms`);
    o.report(`[outage contract] ${label}: ${figures.join(', ')}`);
  };
  const { server, child } = o;
  inGroup(runner, o.title, () => {
    if (child) childTest(runner, child, server, report);
    if (server === undefined) return;
    const make = async (bound: number, url: string) => {
      const layer = await factory({ unavailableTimeout: bound }, url);
      layer.on('error', () => {});
      return layer;
    };
    killedTest(runner, make, server, report);
    lateServerTest(runner, make, server);
    frozenTest(runner, make, server, report);
    closeDuringOutageTest(runner, make, server);
  });
}

type Make = (bound: number, url: string) => Promise<ChannelLayer>;

function childTest(runner: TestRunner, child: OutageChild, server: OutageServer | undefined, report: Report) {
  const name = server
    ? 'unreachable from the start: every call rejects with ERR_BACKEND, close() settles, the process exits by itself'
    : 'every call settles, close() settles, and the process exits by itself';
  runner.it(
    name,
    async () => {
      const url = server ? server.url(await freePort()) : undefined; // nothing listens there
      const spec = { entry: child.entry, factory: child.factory, options: child.options(url, BOUND) };
      // The child is not killed by a timer of ours: it must end by itself once close() settled.
      const { stdout } = await run(process.execPath, [...(child.execArgv ?? []), childScript, JSON.stringify(spec)]);
      const results = JSON.parse(stdout) as Record<string, { settled: string; ms: number }>;
      for (const op of ops) assert.equal(results[op]?.settled, server ? 'ERR_BACKEND' : 'resolved', op);
      assert.equal(results.close?.settled, 'resolved');
      report(server ? `child, unreachable at start, unavailableTimeout ${BOUND} ms` : 'child', results);
    },
    TEST_TIMEOUT,
  );
}

function killedTest(runner: TestRunner, make: Make, server: OutageServer, report: Report) {
  const name =
    'killed mid-run: every call rejects with ERR_BACKEND; back on the same port, it recovers without a restart';
  runner.it(
    name,
    async () => {
      let running = await server.start();
      const url = server.url(running.port);
      const one = await make(BOUND, url);
      const two = await make(BOUND, url);
      try {
        const member = one.newChannel();
        const remote = two.newChannel();
        await one.groupAdd('room', member);
        await two.groupSend('room', 'before');
        assert.equal(await one.receive(member), 'before');

        assert.equal(one.stats?.().backend.up ?? true, true);
        await running.stop(); // SIGKILL: no goodbye on the sockets' other end
        const settled = await everyCall(one, one.newChannel(), remote);
        assertBackendErrors(settled);
        if (one.stats) {
          // The connection is gone, so the layer knows: stats() says so (and since when).
          const { up, downSince } = one.stats().backend;
          assert.equal(up, false);
          assert.ok(typeof downSince === 'number' && downSince <= Date.now(), `downSince ${downSince}`);
        }
        report(`killed, unavailableTimeout ${BOUND} ms`, settled);
        // Local members got the group message before the publish failed (documented), and a
        // channel of this process still gets direct messages: neither needs the server.
        assert.deepEqual(await one.receive(member), { during: true });
        const own = one.newChannel();
        await one.send(own, 'local');
        assert.equal(await one.receive(own), 'local');

        running = await server.start(running.port); // an empty server: memberships and subscriptions are gone
        const restarted = performance.now();
        // Memberships written again, and the subscriptions restored, without a restart of either layer.
        await until(async () => (await two.groupMembers('room').catch((): string[] => [])).includes(member), 30_000);
        report('recovered', { 'membership back after restart': { ms: Math.round(performance.now() - restarted) } });
        await until(async () => {
          await two.groupSend('room', 'after').catch(() => {});
          return (await one.receive(member, AbortSignal.timeout(200)).catch(() => 'nothing')) === 'after';
        }, 30_000);
        await two.send(member, 'direct after');
        assert.equal(await one.receive(member), 'direct after');
        if (one.stats) assert.deepEqual([one.stats().backend.up, one.stats().backend.downSince], [true, null]);
        const late = one.newChannel();
        await one.groupAdd('room', late);
        assert.deepEqual((await two.groupMembers('room')).sort(), [late, member].sort());
      } finally {
        await Promise.all([one.close(), two.close()]);
        await running.stop();
      }
    },
    TEST_TIMEOUT,
  );
}

function lateServerTest(runner: TestRunner, make: Make, server: OutageServer) {
  const name = 'unreachable from the start, then the server starts: the same layer works without a restart';
  runner.it(
    name,
    async () => {
      const port = await freePort();
      const layer = await make(BOUND, server.url(port));
      let running: OutageServerHandle | undefined;
      try {
        const channel = layer.newChannel();
        // Each waits out the bound: together.
        await Promise.all([
          assert.rejects(layer.groupAdd('late', channel), backendError),
          assert.rejects(layer.groupMembers('late'), backendError),
        ]);
        assert.equal(layer.stats?.().backend.up ?? false, false);
        running = await server.start(port);
        await until(
          async () =>
            await layer.groupAdd('late', channel).then(
              () => true,
              () => false,
            ),
          30_000,
        );
        assert.deepEqual(await layer.groupMembers('late'), [channel]);
        await layer.groupSend('late', 'hello');
        assert.equal(await layer.receive(channel), 'hello');
      } finally {
        await layer.close();
        await running?.stop();
      }
    },
    TEST_TIMEOUT,
  );
}

function frozenTest(runner: TestRunner, make: Make, server: OutageServer, report: Report) {
  const name = 'frozen (SIGSTOP): calls get no answer and reject with ERR_BACKEND; close() settles';
  runner.it(
    name,
    async () => {
      const running = await server.start();
      const layer = await make(BOUND, server.url(running.port));
      try {
        const member = layer.newChannel();
        await layer.groupAdd('room', member);
        running.freeze();
        const settled = await everyCall(layer, layer.newChannel(), 'another-process.ws!abc');
        assertBackendErrors(settled);
        report(`frozen, unavailableTimeout ${BOUND} ms`, settled);
        await layer.close();
      } finally {
        running.thaw();
        await running.stop();
      }
    },
    TEST_TIMEOUT,
  );
}

function closeDuringOutageTest(runner: TestRunner, make: Make, server: OutageServer) {
  const name = 'close() during an outage fails the calls still waiting with ERR_CLOSED at once';
  runner.it(
    name,
    async () => {
      const running = await server.start();
      const layer = await make(NEVER, server.url(running.port));
      const channel = layer.newChannel();
      await layer.groupAdd('room', channel);
      await running.stop();
      const waiting = [layer.groupMembers('room'), layer.groupSend('room', 1), layer.groupAdd('other', channel)];
      for (const call of waiting) call.catch(() => {});
      await layer.close(); // with a bound of 10 minutes: settling proves it did not wait for it
      for (const call of waiting) await assert.rejects(call, { code: 'ERR_CLOSED' });
      await assert.rejects(layer.groupSend('room', 1), { code: 'ERR_CLOSED' });
    },
    TEST_TIMEOUT,
  );
}
