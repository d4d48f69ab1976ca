import { monitorEventLoopDelay } from 'node:perf_hooks';
import { describe, expect, it } from 'vitest';
import { type ChannelLayer, consumer, type DroppedMessage, memoryLayer } from '../src/index.js';
import { pause, refusedStatus, resume, until, webSocketSuite } from './helpers.js';

const suite = webSocketSuite();
const http = () => new Response('http still works');
const wsUrl = suite.url;
const client = suite.client;

describe('WebSocket consumers', () => {
  it('echoes text, JSON and binary on the same port as HTTP', async () => {
    const server = await suite.serve(http, {
      port: 0,
      websocket: {
        '/ws/echo': consumer({
          receive(ctx, message) {
            if (message.type === 'binary') ctx.send(message.data.reverse());
            else if (message.text.startsWith('{')) ctx.sendJson({ got: message.json() });
            else ctx.send(`echo:${message.text}`);
          },
        }),
      },
    });
    expect(await (await fetch(server.url)).text()).toBe('http still works');
    const c = await client('/ws/echo');
    c.ws.send('hi');
    expect(await c.next()).toBe('echo:hi');
    c.ws.send('{"a":1}');
    expect(JSON.parse(await c.next())).toEqual({ got: { a: 1 } });
    const binary = new Promise<Buffer>((resolve) => c.ws.once('message', (data) => resolve(data as Buffer)));
    c.ws.send(new Uint8Array([1, 2, 3]));
    expect([...(await binary)]).toEqual([3, 2, 1]);
    expect(server.webSockets).toBe(1);
  });

  it('answers 404 for an unknown WebSocket path', async () => {
    await suite.serve(http, { port: 0, websocket: { '/ws': consumer({}) } });
    expect(await refusedStatus(wsUrl('/nope'))).toBe(404);
  });

  it('runs authenticate on the upgrade request: a Response rejects, data reaches the context', async () => {
    await suite.serve(http, {
      port: 0,
      websocket: {
        '/ws': consumer({
          authenticate: (request) => {
            const session = /session=(\w+)/.exec(request.headers.get('cookie') ?? '')?.[1];
            return session ? { user: session } : new Response('login first', { status: 401 });
          },
          connect: (ctx) => ctx.send(`welcome ${ctx.data.user}`),
        }),
      },
    });
    expect(await refusedStatus(wsUrl('/ws'))).toBe(401);
    const c = await client('/ws', { headers: { cookie: 'session=ann' } });
    expect(await c.next()).toBe('welcome ann');
  });

  it('rejects a foreign Origin with 403 and accepts allowed ones', async () => {
    const server = await suite.serve(http, {
      port: 0,
      websocket: {
        '/same': consumer({}),
        '/listed': consumer({ allowedOrigins: ['https://app.example.com', '*.trusted.org'] }),
      },
    });
    expect(await refusedStatus(wsUrl('/same'), { origin: 'https://evil.example' })).toBe(403);
    expect(await refusedStatus(wsUrl('/same'), { origin: server.url })).toBe(101);
    expect(await refusedStatus(wsUrl('/same'))).toBe(101);
    expect(await refusedStatus(wsUrl('/listed'), { origin: 'https://app.example.com' })).toBe(101);
    expect(await refusedStatus(wsUrl('/listed'), { origin: 'http://app.example.com' })).toBe(403);
    expect(await refusedStatus(wsUrl('/listed'), { origin: 'https://eu.trusted.org' })).toBe(101);
    expect(await refusedStatus(wsUrl('/listed'), { origin: 'https://trusted.org.evil.com' })).toBe(403);
  });

  it('closes with 1009 on an oversize message and 1007 on invalid JSON', async () => {
    await suite.serve(http, {
      port: 0,
      websocket: {
        '/ws': consumer({
          maxMessageSize: 1024,
          receive: (_ctx, message) => message.type === 'text' && message.json(),
        }),
      },
    });
    const big = await client('/ws');
    big.ws.send('x'.repeat(2048));
    expect((await big.closed).code).toBe(1009);
    const bad = await client('/ws');
    bad.ws.send('{not json');
    expect(await bad.closed).toEqual({ code: 1007, reason: 'Invalid message data' });
  });

  it('closes with 1011 when a hook throws, and runs disconnect', async () => {
    const disconnects: number[] = [];
    await suite.serve(http, {
      port: 0,
      websocket: {
        '/ws': consumer({
          receive() {
            throw new Error('bug');
          },
          disconnect: (_ctx, event) => void disconnects.push(event.code),
        }),
      },
    });
    const c = await client('/ws');
    c.ws.send('anything');
    expect((await c.closed).code).toBe(1011);
    await until(() => disconnects.length === 1);
  });

  it('broadcasts to a group, reports presence, and leaves groups on disconnect', async () => {
    const layer = suite.layer(memoryLayer());
    await suite.serve(http, {
      port: 0,
      websocket: {
        '/chat': consumer({
          layer,
          connect: async (ctx) => {
            await ctx.groupAdd('lobby');
            ctx.send('joined');
          },
          receive: (ctx, message) => message.type === 'text' && ctx.groupSend('lobby', { text: message.text }),
        }),
      },
    });
    const ann = await client('/chat');
    const bob = await client('/chat');
    expect([await ann.next(), await bob.next()]).toEqual(['joined', 'joined']);
    expect(await layer.groupMembers('lobby')).toHaveLength(2);
    ann.ws.send('hello all');
    expect(JSON.parse(await ann.next())).toEqual({ text: 'hello all' });
    expect(JSON.parse(await bob.next())).toEqual({ text: 'hello all' });
    await layer.groupSend('lobby', { text: 'from a task' });
    expect(JSON.parse(await bob.next())).toEqual({ text: 'from a task' });
    await bob.close();
    await until(async () => (await layer.groupMembers('lobby')).length === 1);
  });

  it('renews memberships so a connection open longer than groupExpiry keeps receiving its group', {
    timeout: 15_000,
  }, async () => {
    const inner = suite.layer(memoryLayer({ groupExpiry: 1 }));
    const adds: { group: string; at: number }[] = [];
    const layer: ChannelLayer = Object.assign(Object.create(inner) as ChannelLayer, {
      groupAdd: (group: string, channel: string) => {
        adds.push({ group, at: Date.now() });
        return inner.groupAdd(group, channel);
      },
    });
    await suite.serve(http, {
      port: 0,
      websocket: {
        '/long': consumer({
          layer,
          connect: async (ctx) => {
            await ctx.groupAdd('long-lived');
            ctx.send('joined');
          },
        }),
      },
    });
    const c = await client('/long');
    expect(await c.next()).toBe('joined');
    const joinedAt = adds[0]!.at;
    // A renewal after the first membership would have expired (1 s): the member is still there.
    await until(() => adds.some((add) => add.at > joinedAt + 1_100), 10_000);
    expect(adds.every((add) => add.group === 'long-lived')).toBe(true);
    // Sent within 1 s of the last renewal, the message must arrive. On a machine so busy that
    // more went by (a late renewal, a stalled loop), the membership may have lapsed at that
    // moment and the message is not kept for it: send again after the next renewal.
    for (;;) {
      const renewedAt = adds.at(-1)!.at;
      await layer.groupSend('long-lived', { still: 'here' });
      if (Date.now() - renewedAt < 1_000) break;
      await until(() => adds.at(-1)!.at > renewedAt, 10_000);
    }
    expect(JSON.parse(await c.next())).toEqual({ still: 'here' });
    await c.close();
    await until(async () => (await layer.groupMembers('long-lived')).length === 0);
  });

  it('custom groupMessage handlers shape what clients receive', async () => {
    const layer = suite.layer(memoryLayer());
    await suite.serve(http, {
      port: 0,
      websocket: {
        '/ws': consumer({
          layer,
          connect: (ctx) => ctx.groupAdd('news'),
          groupMessage: (ctx, message) => ctx.send(`news: ${(message as { title: string }).title}`),
        }),
      },
    });
    const c = await client('/ws');
    await until(async () => (await layer.groupMembers('news')).length === 1);
    await layer.groupSend('news', { title: 'adv 0.1' });
    expect(await c.next()).toBe('news: adv 0.1');
  });

  it('closes a slow consumer with 1013 under the close policy', async () => {
    const results: boolean[] = [];
    await suite.serve(http, {
      port: 0,
      websocket: {
        '/ws': consumer({
          backpressure: { limit: 65_536, policy: 'close' },
          receive(ctx) {
            const chunk = 'x'.repeat(256 * 1024);
            for (let i = 0; i < 200; i += 1) {
              const sent = ctx.send(chunk);
              results.push(sent);
              if (!sent) break;
            }
          },
        }),
      },
    });
    const c = await client('/ws');
    c.ws.send('flood me');
    pause(c);
    await until(() => results.includes(false));
    resume(c);
    expect((await c.closed).code).toBe(1013);
  });

  it('drops group messages to a slow consumer under the drop policy, with a dropped event', async () => {
    const layer = suite.layer(memoryLayer({ capacity: 1000 }));
    const dropped: DroppedMessage[] = [];
    layer.on('dropped', (event) => dropped.push(event));
    let ready = false;
    await suite.serve(http, {
      port: 0,
      websocket: {
        '/ws': consumer({
          layer,
          backpressure: { limit: 65_536, policy: 'drop' },
          connect: async (ctx) => {
            await ctx.groupAdd('firehose');
            ready = true;
          },
        }),
      },
    });
    const c = await client('/ws');
    await until(() => ready);
    pause(c);
    const chunk = 'y'.repeat(256 * 1024);
    for (let i = 0; i < 200 && dropped.length === 0; i += 1) {
      await layer.groupSend('firehose', chunk);
      await new Promise((resolve) => setImmediate(resolve));
    }
    await until(() => dropped.length > 0);
    expect(dropped[0]?.reason).toBe('backpressure');
    expect(layer.dropped).toBeGreaterThan(0);
    expect(c.ws.readyState).toBe(1);
  });

  it('drops a peer that stops answering pings', async () => {
    // The peer that answers keeps its connection only if the server reads its pong before the
    // next beat: an event loop stalled past a beat (a busy machine) drops it too. So its survival
    // is asserted when the loop never stalled for more than 150 ms (two turns fit in a beat);
    // the silent peer must be dropped every time.
    const stalls = monitorEventLoopDelay({ resolution: 10 });
    stalls.enable();
    const disconnects: string[] = [];
    const server = await suite.serve(http, {
      port: 0,
      websocket: {
        '/ws': consumer({
          heartbeatInterval: 500,
          disconnect: (ctx, event) => void disconnects.push(`${new URL(ctx.request.url).search} ${event.code}`),
        }),
      },
    });
    const alive = await client('/ws?peer=alive');
    const dead = await client('/ws?peer=dead');
    pause(dead);
    await until(() => disconnects.some((line) => line.startsWith('?peer=dead')));
    stalls.disable();
    expect(disconnects).toContain('?peer=dead 1006');
    if (stalls.max < 150e6) {
      expect(disconnects).toEqual(['?peer=dead 1006']);
      expect(alive.ws.readyState).toBe(1);
      expect(server.webSockets).toBe(1);
    }
  });

  it('closes with 1011 when the route layer is already closed, and keeps serving', async () => {
    const layer = memoryLayer();
    await layer.close();
    const server = await suite.serve(http, { port: 0, websocket: { '/ws': consumer({ layer }) } });
    const c = await client('/ws');
    expect((await c.closed).code).toBe(1011);
    expect(server.webSockets).toBe(0);
    expect(await (await fetch(server.url)).text()).toBe('http still works');
  });

  it('closes WebSockets with 1001 on graceful shutdown', async () => {
    const server = await suite.serve(http, { port: 0, websocket: { '/ws': consumer({}) } });
    const c = await client('/ws');
    await server.close();
    expect(await c.closed).toEqual({ code: 1001, reason: 'Server shutting down' });
  });

  it('validates consumer options', () => {
    expect(() => consumer({ maxMessageSize: 0 })).toThrow(
      'Expected `maxMessageSize` to be a number of bytes from 1 and up, got `0` (number)',
    );
    expect(() => consumer({ backpressure: { policy: 'block' as never } })).toThrow(
      /Expected `backpressure.policy` to be 'drop' or 'close'/,
    );
    expect(() => consumer({ allowedOrigins: 'x' as never })).toThrow(/Expected `allowedOrigins`/);
    expect(() => consumer({ receive: 1 as never })).toThrow('Expected `receive` to be a function, got `1` (number)');
  });
});
