import assert from 'node:assert/strict';
import type { OptionKeys } from '@adv/types';
import type { ChannelLayer, ChannelLayerOptions, ChannelLayerStats, DroppedMessage } from '../layers/types.js';
import { asyncOptions } from '../validate.js';
import { inGroup, sleep, type TestRunner, until } from './runner.js';

/** Makes a fresh layer for one test; every layer it returns is closed when the test ends. */
export type ChannelLayerFactory = (options?: ChannelLayerOptions) => ChannelLayer | Promise<ChannelLayer>;

/** What {@link channelLayerContract} expects of the layer under test. */
export interface ChannelLayerContractOptions {
  /**
   * The layer's `backendInfo.name`, asserted when given.
   * @defaultValue `undefined` (any non-empty string)
   */
  name?: string | undefined;
  /**
   * Two layers from the factory share one backend, as two processes would (Redis): also runs
   * the cross-process tests, and asserts `backendInfo.sharedAcrossProcesses` is `true`.
   * @defaultValue `false`
   */
  shared?: boolean | undefined;
  /**
   * Whether the layer must have the optional `stats()`: `true` fails the stats test when it is
   * missing; by default the stats assertions run when the layer has `stats()` and are left out
   * when it has none.
   * @defaultValue `undefined` (checked when present)
   */
  stats?: boolean | undefined;
  /**
   * Title of the `describe` group, when the runner's `describe` is passed.
   * @defaultValue `'channel layer contract'`
   */
  title?: string | undefined;
}

const KEYS: OptionKeys<ChannelLayerContractOptions> = { name: true, shared: true, stats: true, title: true };
const DEFAULTS = { shared: false, title: 'channel layer contract' } as const;

type Make = (options?: ChannelLayerOptions) => Promise<ChannelLayer>;

/** Runs `body` with a `make` whose layers are all closed afterwards, whether it passed or not. */
function withLayers(factory: ChannelLayerFactory, body: (make: Make) => Promise<void>): () => Promise<void> {
  return async () => {
    const open: ChannelLayer[] = [];
    const make: Make = async (options) => {
      const layer = await factory(options);
      open.push(layer);
      return layer;
    };
    try {
      await body(make);
    } finally {
      await Promise.all(open.map((layer) => layer.close()));
    }
  };
}

const sorted = (names: string[]): string[] => [...names].sort();

/**
 * The contract every channel layer passes (keyv's `storageTestSuite` idea): `@adv/async`'s
 * memory and Redis layers run these very tests, and so can a layer written elsewhere. It uses
 * `node:assert/strict` only, so it runs under vitest, jest or `node:test`.
 *
 * @param runner - The test runner's `it` (and optionally `describe`).
 * @param factory - Returns a fresh, isolated layer (with the given buffer options).
 * @param options - What to expect of the layer: its backend name, whether it is shared.
 * @example
 * ```ts
 * import { describe, it } from 'node:test';
 * import { memoryLayer } from '@adv/async';
 * import { channelLayerContract } from '@adv/async/testing';
 *
 * channelLayerContract({ it, describe }, (options) => memoryLayer(options), { name: '@adv/async:memory' });
 * ```
 */
export function channelLayerContract(
  runner: TestRunner,
  factory: ChannelLayerFactory,
  options?: ChannelLayerContractOptions,
): void {
  const o = asyncOptions('channelLayerContract', options, KEYS, DEFAULTS);
  if (typeof runner?.it !== 'function')
    throw new TypeError('Expected `runner` to be an object with the test runner’s `it` (and optionally `describe`)');
  if (typeof factory !== 'function') throw new TypeError('Expected `factory` to be a function returning a layer');
  const test = (name: string, body: (make: Make) => Promise<void>) => runner.it(name, withLayers(factory, body));
  inGroup(runner, o.title, () => {
    singleProcessTests(test, factory, o);
    if (o.shared) sharedTests(test);
  });
}

type Register = (name: string, body: (make: Make) => Promise<void>) => unknown;

// The suite: one function per theme so each stays short.
function singleProcessTests(
  test: Register,
  factory: ChannelLayerFactory,
  o: { name?: string | undefined; shared: boolean; stats?: boolean | undefined },
) {
  test('describes its backend (DescribesBackend)', async (make) => {
    const { backendInfo } = await make();
    if (o.name === undefined) assert.ok(typeof backendInfo.name === 'string' && backendInfo.name !== '');
    else assert.equal(backendInfo.name, o.name);
    assert.equal(backendInfo.sharedAcrossProcesses, o.shared);
  });
  messagingTests(test);
  dropTests(test);
  errorTests(test, factory);
  statsTest(test, o.stats);
}

/** The layer's `stats()` when it has one (the method is optional in `ChannelLayer`). */
const statsOf = (layer: ChannelLayer): ChannelLayerStats | undefined => layer.stats?.();

function statsTest(test: Register, required: boolean | undefined) {
  test('counts channels, consumers, groups, members, messages and drops in stats()', async (make) => {
    const layer = await make({ capacity: 2 });
    if (layer.stats === undefined) {
      assert.notEqual(required, true, 'the layer has no stats() method');
      return;
    }
    assert.equal(typeof layer.stats, 'function');
    const [a, b] = [layer.newChannel(), layer.newChannel()];
    await layer.groupAdd('stats', a);
    await layer.groupAdd('stats', b);
    await layer.groupAdd('stats-other', a);
    await layer.send(a, 1);
    await layer.groupSend('stats', 2);
    await layer.send(a, 3); // a's buffer holds 2 already: dropped (capacity)
    const counts = (stats: ChannelLayerStats) => {
      const { backend, dropped, ...rest } = stats;
      return { ...rest, dropped: { ...dropped } };
    };
    const noDrops = { capacity: 0, expired: 0, backpressure: 0, closed: 0 };
    assert.deepEqual(counts(layer.stats()), {
      channels: 2,
      consumers: 0,
      groups: 2,
      members: 3,
      buffered: 3,
      sent: 3,
      received: 0,
      dropped: { ...noDrops, total: 1, capacity: 1 },
    });
    assert.equal(await layer.receive(a), 1);
    const pushed: unknown[] = [];
    layer.subscribe(b, (message) => void pushed.push(message));
    assert.deepEqual(pushed, [2]);
    assert.equal(await layer.receive(a), 2);
    const controller = new AbortController();
    const waiting = layer.receive(a, controller.signal).catch(() => 'aborted');
    assert.deepEqual(
      { ...counts(layer.stats()), dropped: undefined },
      { channels: 2, consumers: 2, groups: 2, members: 3, buffered: 0, sent: 3, received: 3, dropped: undefined },
    );
    controller.abort();
    assert.equal(await waiting, 'aborted');
    layer.closeChannel(a);
    layer.reportDropped({ channel: b, reason: 'backpressure', message: 'x' });
    const after = layer.stats();
    assert.deepEqual(
      [after.channels, after.consumers, after.groups, after.members],
      [1, 1, 1, 1],
      'channels, consumers, groups, members after closeChannel',
    );
    assert.deepEqual(after.dropped, { ...noDrops, total: 2, capacity: 1, backpressure: 1 });
    assert.equal(after.dropped.total, layer.dropped);
    assert.deepEqual(after.backend, { name: layer.backendInfo.name, up: true, downSince: null });
  });
}

function messagingTests(test: Register) {
  test('sends to a channel and receives in order', async (make) => {
    const layer = await make();
    const channel = layer.newChannel();
    await layer.send(channel, { n: 1 });
    await layer.send(channel, { n: 2 });
    assert.deepEqual(await layer.receive(channel), { n: 1 });
    assert.deepEqual(await layer.receive(channel), { n: 2 });
  });

  test('delivers a group message to every member, and not after groupDiscard', async (make) => {
    const layer = await make();
    const [a, b, c] = [layer.newChannel(), layer.newChannel(), layer.newChannel()];
    await layer.groupAdd('room', a);
    await layer.groupAdd('room', b);
    await layer.groupSend('room', { text: 'hi' });
    assert.deepEqual(await layer.receive(a), { text: 'hi' });
    assert.deepEqual(await layer.receive(b), { text: 'hi' });
    await layer.groupDiscard('room', b);
    await layer.groupSend('room', { text: 'second' });
    await layer.send(b, 'direct');
    await layer.send(c, 'to c');
    assert.deepEqual(await layer.receive(a), { text: 'second' });
    assert.equal(await layer.receive(b), 'direct');
    assert.equal(await layer.receive(c), 'to c');
  });

  test('lists group members (presence) and forgets closed channels', async (make) => {
    const layer = await make();
    const [a, b] = [layer.newChannel(), layer.newChannel()];
    await layer.groupAdd('presence', a);
    await layer.groupAdd('presence', b);
    await layer.groupAdd('presence', b);
    assert.deepEqual(sorted(await layer.groupMembers('presence')), sorted([a, b]));
    layer.closeChannel(a);
    await until(async () => (await layer.groupMembers('presence')).length === 1);
    assert.deepEqual(await layer.groupMembers('presence'), [b]);
    assert.deepEqual(await layer.groupMembers('empty-group'), []);
  });

  test('pushes to a subscriber, buffering (bounded) while its last call is still running', async (make) => {
    const layer = await make({ capacity: 2 });
    const dropped: DroppedMessage[] = [];
    layer.on('dropped', (event) => dropped.push(event));
    const channel = layer.newChannel();
    const seen: unknown[] = [];
    let release!: () => void;
    const unsubscribe = layer.subscribe(channel, (message) => {
      seen.push(message);
      if (message === 'slow') return new Promise<void>((resolve) => (release = resolve));
      return undefined;
    });
    await layer.send(channel, 'fast');
    await layer.send(channel, 'slow');
    for (const n of [1, 2, 3]) await layer.send(channel, n);
    await until(() => dropped.length === 1);
    assert.deepEqual(seen, ['fast', 'slow']);
    assert.equal(dropped[0]?.reason, 'capacity');
    assert.equal(dropped[0]?.message, 3);
    release();
    await until(() => seen.length === 4);
    assert.deepEqual(seen, ['fast', 'slow', 1, 2]);
    assert.throws(() => layer.subscribe(channel, () => {}), /already has a consumer/);
    unsubscribe();
    await layer.send(channel, 'pulled');
    assert.equal(await layer.receive(channel), 'pulled');
  });
}

function dropTests(test: Register) {
  test('drops past capacity with a dropped event and counter, never silently', async (make) => {
    const layer = await make({ capacity: 2 });
    const dropped: DroppedMessage[] = [];
    const off = layer.on('dropped', (event) => dropped.push(event));
    const channel = layer.newChannel();
    await layer.groupAdd('busy', channel);
    for (const n of [1, 2, 3, 4]) await layer.groupSend('busy', { n });
    await until(() => dropped.length === 2);
    assert.equal(layer.dropped, 2);
    assert.deepEqual(
      dropped.map((event) => [event.reason, event.message]),
      [
        ['capacity', { n: 3 }],
        ['capacity', { n: 4 }],
      ],
    );
    assert.deepEqual(await layer.receive(channel), { n: 1 });
    off();
  });

  test('reports messages for a closed or unknown channel as dropped (reason closed), never silently', async (make) => {
    const layer = await make();
    const dropped: DroppedMessage[] = [];
    layer.on('dropped', (event) => dropped.push(event));
    const buffered = layer.newChannel();
    await layer.send(buffered, { n: 1 });
    layer.closeChannel(buffered);
    const gone = layer.newChannel();
    layer.closeChannel(gone);
    await layer.send(gone, { n: 2 });
    // A channel name of a process that does not exist (for Redis: nobody owns its topic).
    await layer.send('nobody.ws!abc', { n: 3 });
    await until(() => dropped.length === 3);
    assert.deepEqual(dropped, [
      { channel: buffered, reason: 'closed', message: { n: 1 } },
      { channel: gone, reason: 'closed', message: { n: 2 } },
      { channel: 'nobody.ws!abc', reason: 'closed', message: { n: 3 } },
    ]);
    assert.equal(layer.dropped, 3);
    assert.equal(statsOf(layer)?.dropped.closed ?? 3, 3);
  });

  test('drops expired messages on receive', async (make) => {
    const layer = await make({ expiry: 1 });
    const dropped: DroppedMessage[] = [];
    layer.on('dropped', (event) => dropped.push(event));
    const channel = layer.newChannel();
    await layer.send(channel, 'old');
    await sleep(1100);
    await layer.send(channel, 'fresh');
    assert.equal(await layer.receive(channel), 'fresh');
    assert.deepEqual(dropped, [{ channel, reason: 'expired', message: 'old' }]);
    assert.equal(statsOf(layer)?.dropped.expired ?? 1, 1);
  });
}

function errorTests(test: Register, factory: ChannelLayerFactory) {
  test('aborts a pending receive with ERR_ABORTED and rejects it on closeChannel with ERR_CLOSED', async (make) => {
    const layer = await make();
    const controller = new AbortController();
    const channel = layer.newChannel();
    const waiting = layer.receive(channel, controller.signal);
    controller.abort();
    await assert.rejects(waiting, { code: 'ERR_ABORTED' });
    const again = layer.receive(channel);
    layer.closeChannel(channel);
    await assert.rejects(again, { code: 'ERR_CLOSED' });
  });

  test('rejects invalid group names and non-JSON messages', async (make) => {
    const layer = await make();
    await assert.rejects(layer.groupAdd('has space', layer.newChannel()), {
      message:
        'Expected `group` to be a string of 1-100 ASCII letters, digits, `_`, `.`, `-` or `!`, got `has space` (string)',
    });
    await assert.rejects(layer.groupSend('x'.repeat(101), {}), { code: 'ERR_INVALID_OPTION' });
    await assert.rejects(layer.groupSend('ok', undefined), TypeError);
  });

  test('rejects use after close with ERR_CLOSED', async () => {
    const layer = await factory();
    await layer.close();
    await assert.rejects(layer.groupSend('g', 1), { code: 'ERR_CLOSED' });
    assert.throws(() => layer.newChannel(), { code: 'ERR_CLOSED' });
  });
}

function sharedTests(test: Register) {
  test('delivers across processes sharing the backend', async (make) => {
    const one = await make();
    const two = await make();
    const [a, b] = [one.newChannel(), two.newChannel()];
    await one.groupAdd('cluster', a);
    await two.groupAdd('cluster', b);
    assert.deepEqual(sorted(await one.groupMembers('cluster')), sorted([a, b]));
    await one.groupSend('cluster', { from: 'one' });
    assert.deepEqual(await one.receive(a), { from: 'one' });
    assert.deepEqual(await two.receive(b), { from: 'one' });
    await two.send(a, 'direct across');
    assert.equal(await one.receive(a), 'direct across');
  });

  test("adds and removes another process's channel (the owner joins before groupAdd resolves)", async (make) => {
    const one = await make();
    const two = await make();
    const remote = two.newChannel();
    await one.groupAdd('remote-join', remote);
    assert.deepEqual(await two.groupMembers('remote-join'), [remote]);
    await one.groupSend('remote-join', { n: 1 });
    assert.deepEqual(await two.receive(remote), { n: 1 });
    await one.groupDiscard('remote-join', remote);
    await until(async () => (await one.groupMembers('remote-join')).length === 0);
    // The owner left too: a later group message is not buffered for the channel.
    await until(async () => {
      await one.groupSend('remote-join', { n: 2 });
      const received = two.receive(remote, AbortSignal.timeout(50)).catch(() => 'nothing');
      return (await received) === 'nothing';
    });
    // A channel of a process that is gone, or one its process already closed, is not kept as a member.
    await one.groupAdd('remote-join', 'gone.ws!abc');
    const closed = two.newChannel();
    two.closeChannel(closed);
    await one.groupAdd('remote-join', closed);
    assert.deepEqual(await one.groupMembers('remote-join'), []);
  });
}
