import { describe, expect, inject, it } from 'vitest';
import { startRedis } from '../../../scripts/test-services.js';
import { consumer, serve } from '../src/index.js';
import { redisLayer } from '../src/redis.js';
import { connect, type TestClient, until } from './helpers.js';

const redisUrl = inject('redisUrl');

describe.runIf(redisUrl)('WebSocket consumers on a Redis layer whose Redis goes away', () => {
  it('a connect that cannot join closes with 1011, HTTP keeps serving, and joins work again once Redis is back', {
    timeout: 90_000,
  }, async () => {
    let redis = await startRedis();
    // The default bound: the joins and sends made while Redis runs must be answered within it,
    // also when a busy machine stalls the event loop for a second or more.
    const layer = redisLayer({ url: `redis://127.0.0.1:${redis.port}`, unavailableTimeout: 5_000 });
    layer.on('error', () => {});
    const server = await serve(() => new Response('still serving'), {
      port: 0,
      websocket: {
        '/ws': consumer({
          layer,
          connect: async (ctx) => {
            await ctx.groupAdd('room');
            ctx.send('joined');
          },
        }),
      },
    });
    const url = `${server.url.replace('http', 'ws')}/ws`;
    const clients: TestClient[] = [];
    const client = async () => {
      const c = await connect(url);
      clients.push(c);
      return c;
    };
    try {
      const before = await client();
      expect(await before.next()).toBe('joined');

      await redis.stop();
      const during = await client();
      expect(await during.closed).toEqual({ code: 1011, reason: 'Internal error' });
      expect(await (await fetch(server.url)).text()).toBe('still serving');

      redis = await startRedis(redis.port);
      let after: TestClient | undefined;
      await until(async () => {
        const c = await client();
        const first = await Promise.race([c.next(), c.closed.then(() => 'closed')]);
        if (first === 'joined') after = c;
        return after !== undefined;
      }, 30_000);
      // The connection from before the outage is a member again, in the new Redis too.
      await until(async () => (await layer.groupMembers('room')).length === 2, 30_000);
      await layer.groupSend('room', { text: 'back' });
      expect(JSON.parse(await before.next())).toEqual({ text: 'back' });
      expect(JSON.parse(await after!.next())).toEqual({ text: 'back' });
    } finally {
      for (const c of clients) c.ws.terminate();
      await server.close();
      await layer.close();
      await redis.stop();
    }
  });
});
