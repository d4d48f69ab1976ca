import { afterEach, expect, it } from 'vitest';
import type { ChannelLayer, ChannelLayerOptions, DroppedMessage } from '../src/index.js';
import { sleep, until } from './helpers.js';

/**
 * One contract suite for every channel layer (keyv's storageTestSuite idea): memory and Redis
 * run these very tests. `factory` must return a fresh, isolated layer; with `shared`, two
 * layers from it behave as two processes on one backend.
 */
export function channelLayerContract(
  factory: (options?: ChannelLayerOptions) => ChannelLayer,
  expectations: { name: string; shared: boolean },
): void {
  const open: ChannelLayer[] = [];
  const make = (options?: ChannelLayerOptions) => {
    const layer = factory(options);
    open.push(layer);
    return layer;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((layer) => layer.close()));
  });

  it('describes its backend (DescribesBackend)', () => {
    expect(make().backendInfo).toEqual({ name: expectations.name, sharedAcrossProcesses: expectations.shared });
  });

  it('sends to a channel and receives in order', async () => {
    const layer = make();
    const channel = layer.newChannel();
    await layer.send(channel, { n: 1 });
    await layer.send(channel, { n: 2 });
    expect(await layer.receive(channel)).toEqual({ n: 1 });
    expect(await layer.receive(channel)).toEqual({ n: 2 });
  });

  it('delivers a group message to every member, and not after groupDiscard', async () => {
    const layer = make();
    const [a, b, c] = [layer.newChannel(), layer.newChannel(), layer.newChannel()];
    await layer.groupAdd('room', a);
    await layer.groupAdd('room', b);
    await layer.groupSend('room', { text: 'hi' });
    expect(await layer.receive(a)).toEqual({ text: 'hi' });
    expect(await layer.receive(b)).toEqual({ text: 'hi' });
    await layer.groupDiscard('room', b);
    await layer.groupSend('room', { text: 'second' });
    await layer.send(b, 'direct');
    await layer.send(c, 'to c');
    expect(await layer.receive(a)).toEqual({ text: 'second' });
    expect(await layer.receive(b)).toBe('direct');
    expect(await layer.receive(c)).toBe('to c');
  });

  it('lists group members (presence) and forgets closed channels', async () => {
    const layer = make();
    const [a, b] = [layer.newChannel(), layer.newChannel()];
    await layer.groupAdd('presence', a);
    await layer.groupAdd('presence', b);
    await layer.groupAdd('presence', b);
    expect((await layer.groupMembers('presence')).sort()).toEqual([a, b].sort());
    layer.closeChannel(a);
    await until(async () => (await layer.groupMembers('presence')).length === 1);
    expect(await layer.groupMembers('presence')).toEqual([b]);
    expect(await layer.groupMembers('empty-group')).toEqual([]);
  });

  it('drops past capacity with a dropped event and counter, never silently', async () => {
    const layer = make({ capacity: 2 });
    const dropped: DroppedMessage[] = [];
    const off = layer.on('dropped', (event) => dropped.push(event));
    const channel = layer.newChannel();
    await layer.groupAdd('busy', channel);
    for (const n of [1, 2, 3, 4]) await layer.groupSend('busy', { n });
    await until(() => dropped.length === 2);
    expect(layer.dropped).toBe(2);
    expect(dropped.map((event) => [event.reason, event.message])).toEqual([
      ['capacity', { n: 3 }],
      ['capacity', { n: 4 }],
    ]);
    expect(await layer.receive(channel)).toEqual({ n: 1 });
    off();
  });

  it('reports messages for a closed or unknown channel as dropped (reason closed), never silently', async () => {
    const layer = make();
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
    expect(dropped).toEqual([
      { channel: buffered, reason: 'closed', message: { n: 1 } },
      { channel: gone, reason: 'closed', message: { n: 2 } },
      { channel: 'nobody.ws!abc', reason: 'closed', message: { n: 3 } },
    ]);
    expect(layer.dropped).toBe(3);
  });

  it('pushes to a subscriber, buffering (bounded) while its last call is still running', async () => {
    const layer = make({ capacity: 2 });
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
    expect(seen).toEqual(['fast', 'slow']);
    expect(dropped[0]).toMatchObject({ reason: 'capacity', message: 3 });
    release();
    await until(() => seen.length === 4);
    expect(seen).toEqual(['fast', 'slow', 1, 2]);
    expect(() => layer.subscribe(channel, () => {})).toThrow(/already has a consumer/);
    unsubscribe();
    await layer.send(channel, 'pulled');
    expect(await layer.receive(channel)).toBe('pulled');
  });

  it('drops expired messages on receive', async () => {
    const layer = make({ expiry: 1 });
    const dropped: DroppedMessage[] = [];
    layer.on('dropped', (event) => dropped.push(event));
    const channel = layer.newChannel();
    await layer.send(channel, 'old');
    await sleep(1100);
    await layer.send(channel, 'fresh');
    expect(await layer.receive(channel)).toBe('fresh');
    expect(dropped).toEqual([{ channel, reason: 'expired', message: 'old' }]);
  });

  it('aborts a pending receive with ERR_ABORTED and rejects it on closeChannel with ERR_CLOSED', async () => {
    const layer = make();
    const controller = new AbortController();
    const channel = layer.newChannel();
    const waiting = layer.receive(channel, controller.signal);
    controller.abort();
    await expect(waiting).rejects.toMatchObject({ code: 'ERR_ABORTED' });
    const again = layer.receive(channel);
    layer.closeChannel(channel);
    await expect(again).rejects.toMatchObject({ code: 'ERR_CLOSED' });
  });

  it('rejects invalid group names and non-JSON messages', async () => {
    const layer = make();
    await expect(layer.groupAdd('has space', layer.newChannel())).rejects.toThrow(
      'Expected `group` to be a string of 1-100 ASCII letters, digits, `_`, `.`, `-` or `!`, got `has space` (string)',
    );
    await expect(layer.groupSend('x'.repeat(101), {})).rejects.toMatchObject({ code: 'ERR_INVALID_OPTION' });
    await expect(layer.groupSend('ok', undefined)).rejects.toThrow(TypeError);
  });

  it('rejects use after close with ERR_CLOSED', async () => {
    const layer = factory();
    await layer.close();
    await expect(layer.groupSend('g', 1)).rejects.toMatchObject({ code: 'ERR_CLOSED' });
    expect(() => layer.newChannel()).toThrow(expect.objectContaining({ code: 'ERR_CLOSED' }));
  });

  if (!expectations.shared) return;
  it('delivers across processes sharing the backend', async () => {
    const one = make();
    const two = make();
    const [a, b] = [one.newChannel(), two.newChannel()];
    await one.groupAdd('cluster', a);
    await two.groupAdd('cluster', b);
    expect((await one.groupMembers('cluster')).sort()).toEqual([a, b].sort());
    await one.groupSend('cluster', { from: 'one' });
    expect(await one.receive(a)).toEqual({ from: 'one' });
    expect(await two.receive(b)).toEqual({ from: 'one' });
    await two.send(a, 'direct across');
    expect(await one.receive(a)).toBe('direct across');
  });

  it("adds and removes another process's channel (the owner joins before groupAdd resolves)", async () => {
    const one = make();
    const two = make();
    const remote = two.newChannel();
    await one.groupAdd('remote-join', remote);
    expect(await two.groupMembers('remote-join')).toEqual([remote]);
    await one.groupSend('remote-join', { n: 1 });
    expect(await two.receive(remote)).toEqual({ n: 1 });
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
    expect(await one.groupMembers('remote-join')).toEqual([]);
  });
}
