import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism } from 'node:os';
import { afterEach, describe, expect, inject, it } from 'vitest';
import {
  AsyncError,
  type ChannelLayer,
  consumer,
  createWorkerPool,
  deadline,
  type ExpressMiddleware,
  gather,
  html,
  isGlobalResponseOverridden,
  json,
  limit,
  memoryLayer,
  offload,
  type Server,
  serve,
  sse,
  streamResponse,
  text,
  toExpress,
  toNodeHandler,
} from '../src/index.js';
import { redisLayer } from '../src/redis.js';
import { connect, type TestClient } from './helpers.js';

const ok = () => new Response('ok');
const redisUrl = inject('redisUrl');

/** Runs `call` and returns what it threw or rejected with. */
async function failure(call: () => unknown): Promise<AsyncError> {
  try {
    await call();
  } catch (error) {
    expect(error).toBeInstanceOf(AsyncError);
    expect((error as AsyncError).code).toBe('ERR_INVALID_OPTION');
    return error as AsyncError;
  }
  throw new Error('expected the call to fail');
}

/** Asserts the shared unknown-option message: the key, the function, the guess and the valid names. */
async function refusesTypo(call: () => unknown, key: string, fn: string, guess: string): Promise<void> {
  const { message } = await failure(call);
  expect(message).toMatch(
    new RegExp(
      `^Unknown option \`${escapeRegExp(key)}\` of \`${escapeRegExp(fn)}\\(\\)\`; did you mean \`${escapeRegExp(guess)}\`\\? Valid options: .*\`${escapeRegExp(guess)}\``,
    ),
  );
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

let server: Server | undefined;
const layers: ChannelLayer[] = [];
const clients: TestClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) await c.close();
  await server?.close();
  server = undefined;
  for (const layer of layers.splice(0)) await layer.close();
});

describe('unknown option names are refused with a did-you-mean', () => {
  it('serve', async () => {
    await refusesTypo(() => serve(ok, { prot: 0 } as never), 'prot', 'serve', 'port');
    await refusesTypo(() => serve(ok, { port: 0, bodylimit: 1 } as never), 'bodylimit', 'serve', 'bodyLimit');
    const { message } = await failure(() => serve(ok, 'fast' as never));
    expect(message).toBe('Expected the options of `serve()` to be an object, got `fast` (string)');
  });

  it('serve checks the routes it is given, also without consumer()', async () => {
    await refusesTypo(
      () => serve(ok, { port: 0, websocket: { '/ws': { recieve: () => {} } as never } }),
      'recieve',
      'consumer',
      'receive',
    );
  });

  it('consumer, and its nested backpressure', async () => {
    await refusesTypo(() => consumer({ recieve: () => {} } as never), 'recieve', 'consumer', 'receive');
    await refusesTypo(
      () => consumer({ maxMessageSize: 10, heartbeatIntervall: 5 } as never),
      'heartbeatIntervall',
      'consumer',
      'heartbeatInterval',
    );
    await refusesTypo(
      () => consumer({ backpressure: { limt: 10 } as never }),
      'backpressure.limt',
      'consumer',
      'backpressure.limit',
    );
  });

  it('memoryLayer', async () => {
    await refusesTypo(() => memoryLayer({ capcity: 5 } as never), 'capcity', 'memoryLayer', 'capacity');
  });

  it('redisLayer (top level and its connection options), before connecting', async () => {
    const url = 'redis://127.0.0.1:1';
    await refusesTypo(() => redisLayer({ url, prefx: 'x' } as never), 'prefx', 'redisLayer', 'prefix');
    await refusesTypo(
      () => redisLayer({ url, unavailableTimout: 10 } as never),
      'unavailableTimout',
      'redisLayer',
      'unavailableTimeout',
    );
    await refusesTypo(
      () => redisLayer({ url, redis: { hots: 'x' } as never }),
      'redis.hots',
      'redisLayer',
      'redis.host',
    );
  });

  it('limit (per call)', async () => {
    const run = limit(2);
    await refusesTypo(() => run(() => 1, { sigal: undefined } as never), 'sigal', 'limit(concurrency)', 'signal');
  });

  it('deadline', async () => {
    await refusesTypo(() => deadline(10, { stauts: 504 } as never), 'stauts', 'deadline', 'status');
  });

  it('gather', async () => {
    await refusesTypo(() => gather([() => 1], { concurency: 2 } as never), 'concurency', 'gather', 'concurrency');
  });

  it('createWorkerPool, pool.run and offload (per call)', async () => {
    await refusesTypo(() => createWorkerPool({ szie: 1 } as never), 'szie', 'createWorkerPool', 'size');
    const pool = createWorkerPool({ size: 1 });
    try {
      await refusesTypo(() => pool.run(() => 1, [], { singal: undefined } as never), 'singal', 'pool.run', 'signal');
    } finally {
      await pool.destroy();
    }
    await refusesTypo(() => offload(() => 1, [], { sginal: undefined } as never), 'sginal', 'offload', 'signal');
  });

  it('sse and streamResponse', async () => {
    await refusesTypo(() => sse([], { heartbeet: 10 } as never), 'heartbeet', 'sse', 'heartbeat');
    await refusesTypo(() => streamResponse([], { header: {} } as never), 'header', 'streamResponse', 'headers');
  });

  it('text, json and html (their ResponseInit)', async () => {
    await refusesTypo(() => text('x', { satus: 201 } as never), 'satus', 'text', 'status');
    await refusesTypo(() => json({}, { statustext: 'ok' } as never), 'statustext', 'json', 'statusText');
    await refusesTypo(() => html('x', { headrs: {} } as never), 'headrs', 'html', 'headers');
  });

  it('toNodeHandler and toExpress', async () => {
    await refusesTypo(() => toNodeHandler(ok, { bodylimit: 1 } as never), 'bodylimit', 'toNodeHandler', 'bodyLimit');
    await refusesTypo(() => toExpress(ok, { loger: console } as never), 'loger', 'toExpress', 'logger');
  });

  it('a name far from every option gets the list without a guess', async () => {
    const { message } = await failure(() => deadline(10, { colour: 'red' } as never));
    expect(message).toBe('Unknown option `colour` of `deadline()`. Valid options: `status`, `body`.');
  });
});

describe('an explicit `undefined` keeps the default', () => {
  it('serve: host, body limit, global Response override', async () => {
    server = await serve((request) => request.text().then((body) => new Response(String(body.length))), {
      port: 0,
      host: undefined,
      bodyLimit: undefined,
      overrideGlobalResponse: undefined,
      shutdownTimeout: undefined,
      logger: undefined,
    });
    expect(server.host).toBe('127.0.0.1');
    expect(isGlobalResponseOverridden()).toBe(true);
    const small = await fetch(server.url, { method: 'POST', body: 'x'.repeat(10) });
    expect(await small.text()).toBe('10');
    const large = await fetch(server.url, { method: 'POST', body: 'x'.repeat(1_048_577) });
    expect(large.status).toBe(413);
  });

  it('memoryLayer: capacity and groupExpiry', async () => {
    const layer = memoryLayer({ capacity: undefined, expiry: undefined, groupExpiry: undefined });
    layers.push(layer);
    expect(layer.groupExpiry).toBe(86_400);
    const channel = layer.newChannel();
    for (let i = 0; i < 101; i += 1) await layer.send(channel, i);
    expect(layer.dropped).toBe(1);
    expect(await layer.receive(channel)).toBe(0);
  });

  it.runIf(redisUrl)('redisLayer: prefix, timeout and groupExpiry', async () => {
    const url = `${redisUrl}/4`;
    const defaulted = redisLayer({ url, prefix: undefined, unavailableTimeout: undefined, groupExpiry: undefined });
    const explicit = redisLayer({ url, prefix: 'adv:channels' });
    layers.push(defaulted, explicit);
    expect(defaulted.groupExpiry).toBe(86_400);
    // Same default prefix: a channel of one layer is reachable through the other.
    const channel = explicit.newChannel();
    const group = `options-test-${process.pid}`;
    await explicit.groupAdd(group, channel);
    expect(await defaulted.groupMembers(group)).toContain(channel);
    await defaulted.groupSend(group, 'hello');
    expect(await explicit.receive(channel)).toBe('hello');
    await explicit.groupDiscard(group, channel);
  });

  it('consumer: backpressure.limit keeps 1 MiB, so a flood is closed with 1013', async () => {
    const results: boolean[] = [];
    server = await serve(ok, {
      port: 0,
      websocket: {
        '/ws': consumer({
          backpressure: { limit: undefined, policy: 'close' },
          maxMessageSize: undefined,
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
    const c = await connect(`${server.url.replace('http', 'ws')}/ws`);
    clients.push(c);
    const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
    c.ws.send('flood me');
    socket.pause();
    await expect.poll(() => results.includes(false), { timeout: 30_000 }).toBe(true);
    socket.resume();
    expect((await c.closed).code).toBe(1013);
    // Refused past the default limit, long before the 200 chunks (50 MiB) were queued.
    expect(results.length).toBeLessThan(200);
  });

  it('limit: a call with `signal: undefined` runs', async () => {
    const run = limit(1);
    expect(await run(() => 'ran', { signal: undefined })).toBe('ran');
  });

  it('deadline: status and body', async () => {
    const middleware = deadline(10, { status: undefined, body: undefined });
    const response = await middleware(new Request('http://x/'), () => new Promise<Response>(() => {}));
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('Service Unavailable: deadline exceeded');
  });

  it('gather: concurrency stays unlimited and settle stays off', async () => {
    let running = 0;
    let most = 0;
    let open!: () => void;
    const gate = new Promise<void>((resolve) => {
      open = resolve;
    });
    const task = (value: number) => async () => {
      running += 1;
      most = Math.max(most, running);
      if (running === 3) open();
      await gate;
      running -= 1;
      return value;
    };
    const results = await gather([task(1), task(2), task(3)], { concurrency: undefined, settle: undefined });
    expect(results).toEqual([1, 2, 3]);
    expect(most).toBe(3);
  });

  it('createWorkerPool: size; pool.run and offload with `signal: undefined`', async () => {
    const pool = createWorkerPool({ size: undefined });
    try {
      expect(pool.size).toBe(Math.max(1, availableParallelism() - 1));
      expect(await pool.run((a: number) => a + 1, [1], { signal: undefined })).toBe(2);
    } finally {
      await pool.destroy();
    }
    expect(await offload((a: number) => a * 2, [21], { signal: undefined })).toBe(42);
  });

  it('sse: heartbeat and retry', async () => {
    const response = sse(['hi'], { heartbeat: undefined, retry: undefined, signal: undefined, headers: undefined });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(await response.text()).toBe(': connected\n\ndata: hi\n\n');
  });

  // `ResponseInit` is the DOM's type: a caller under exactOptionalPropertyTypes casts, as here.
  it('streamResponse, text, json and html: status and headers', async () => {
    const streamed = streamResponse(['a', 'b'], { status: undefined, headers: undefined } as unknown as ResponseInit);
    expect(streamed.status).toBe(200);
    expect(streamed.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await streamed.text()).toBe('ab');
    for (const response of [
      text('x', { status: undefined } as unknown as ResponseInit),
      json(1, { statusText: undefined } as unknown as ResponseInit),
      html('x', { headers: undefined } as unknown as ResponseInit),
    ]) {
      expect(response.status).toBe(200);
    }
  });

  it('toNodeHandler and toExpress: bodyLimit stays unlimited, logger stays silent', async () => {
    const echoLength = async (request: Request) => new Response(String((await request.text()).length));
    for (const listener of [
      toNodeHandler(echoLength, { bodyLimit: undefined, logger: undefined }),
      toExpress(echoLength, { bodyLimit: undefined, logger: undefined }),
    ]) {
      const host = createServer((req, res) => (listener as ExpressMiddleware)(req, res, () => {}));
      host.listen(0, '127.0.0.1');
      await once(host, 'listening');
      try {
        const url = `http://127.0.0.1:${(host.address() as AddressInfo).port}`;
        const response = await fetch(url, { method: 'POST', body: 'x'.repeat(2_000_000) });
        expect(await response.text()).toBe('2000000');
      } finally {
        await new Promise((resolve) => host.close(resolve));
      }
    }
  });
});
