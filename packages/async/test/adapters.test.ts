import { once } from 'node:events';
import { createServer, type Server as NodeServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline, Readable } from 'node:stream';
import type { Middleware } from '@adv/types';
import { serve as honoServe } from '@hono/node-server';
import express from 'express';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import { streamResponse, toExpress, toHono, toNodeHandler } from '../src/index.js';

/** The same Fetch middleware and handler, run under each host below. */
const stamp: Middleware = async (request, next) => {
  if (request.headers.get('x-block') === 'yes') return new Response('blocked', { status: 403 });
  const forwarded = new Request(request, { headers: { ...Object.fromEntries(request.headers), 'x-stamped': 'in' } });
  const response = await next(forwarded);
  const headers = new Headers(response.headers);
  headers.set('x-stamp', 'out');
  return new Response(response.body, { status: response.status, headers });
};
const hello = async (request: Request) =>
  new Response(`hello ${new URL(request.url).pathname} ${await request.text()}`);
const streamed = () =>
  streamResponse(
    (async function* () {
      yield 'a';
      yield 'b';
    })(),
  );

let closeHost: (() => Promise<void>) | undefined;
afterEach(async () => {
  await closeHost?.();
  closeHost = undefined;
});
async function listen(server: NodeServer): Promise<string> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closeHost = () => new Promise((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

describe('toNodeHandler (node:http)', () => {
  it('serves a Fetch handler with bodies both ways', async () => {
    const url = await listen(createServer(toNodeHandler(hello)));
    expect(await (await fetch(`${url}/x`, { method: 'POST', body: 'there' })).text()).toBe('hello /x there');
    const stream = await listen(createServer(toNodeHandler(streamed)));
    expect(await (await fetch(stream)).text()).toBe('ab');
  });

  it('answers 500 when the handler throws', async () => {
    const url = await listen(
      createServer(
        toNodeHandler(() => {
          throw new Error('boom');
        }),
      ),
    );
    expect((await fetch(url)).status).toBe(500);
  });
});

describe('toExpress', () => {
  function app() {
    const application = express();
    application.use(toExpress(stamp));
    application.get('/native', (req, res) => {
      res.set('x-native', String(req.headers['x-stamped']));
      res.send('from express');
    });
    application.post('/fetch', toExpress(hello));
    application.get('/stream', toExpress(streamed));
    return application;
  }

  it('runs a Fetch middleware around native Express routes, post-processing their response', async () => {
    const url = await listen(createServer(app()));
    const response = await fetch(`${url}/native`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('from express');
    expect(response.headers.get('x-stamp')).toBe('out');
    expect(response.headers.get('x-native')).toBe('in');
  });

  it('short-circuits, and serves Fetch handlers as routes', async () => {
    const url = await listen(createServer(app()));
    const blocked = await fetch(`${url}/native`, { headers: { 'x-block': 'yes' } });
    expect([blocked.status, await blocked.text()]).toEqual([403, 'blocked']);
    const posted = await fetch(`${url}/fetch`, { method: 'POST', body: 'body' });
    expect(await posted.text()).toBe('hello /fetch body');
    expect(posted.headers.get('x-stamp')).toBe('out');
    expect(await (await fetch(`${url}/stream`)).text()).toBe('ab');
    expect((await fetch(`${url}/missing`)).status).toBe(404);
  });
});

describe('toHono', () => {
  function app() {
    const application = new Hono();
    application.use(toHono(stamp));
    application.get('/native', (c) => c.text(`from hono, stamped=${c.req.header('x-stamped')}`));
    application.post('/fetch', toHono(hello));
    application.get('/stream', toHono(streamed));
    return application;
  }

  it('runs a Fetch middleware in Hono: replaced request in, post-processed response out', async () => {
    const response = await app().request('/native');
    expect(await response.text()).toBe('from hono, stamped=in');
    expect(response.headers.get('x-stamp')).toBe('out');
    const blocked = await app().request('/native', { headers: { 'x-block': 'yes' } });
    expect(blocked.status).toBe(403);
  });

  it('serves Fetch handlers and streams on @hono/node-server', async () => {
    const server = honoServe({ fetch: app().fetch, port: 0, hostname: '127.0.0.1' }) as NodeServer;
    await once(server, 'listening');
    closeHost = () => new Promise((resolve) => server.close(() => resolve()));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    expect(await (await fetch(`${url}/fetch`, { method: 'POST', body: 'hono' })).text()).toBe('hello /fetch hono');
    expect(await (await fetch(`${url}/stream`)).text()).toBe('ab');
  });

  it('validates its argument', () => {
    expect(() => toHono('x' as never)).toThrow(
      'Expected `fetchFn` to be a function (request, next?) => Response, got `x` (string)',
    );
    expect(() => toExpress(null as never)).toThrow(/Expected `fetchFn`/);
    expect(() => toNodeHandler(undefined as never)).toThrow(/Expected `handler`/);
  });
});

describe('toExpress around a streaming Express route', () => {
  const upper = () =>
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        controller.enqueue(new TextEncoder().encode(new TextDecoder().decode(chunk).toUpperCase()));
      },
    });
  /** Upper-cases every body chunk and stamps the head. */
  const shout: Middleware = async (request, next) => {
    const response = await next(request);
    const headers = new Headers(response.headers);
    headers.set('x-shout', 'yes');
    headers.delete('content-length');
    return new Response(response.body?.pipeThrough(upper()) ?? null, { status: response.status, headers });
  };

  /** A promise with its resolve, to gate a route on what the client has seen. */
  function gate() {
    let open!: () => void;
    const opened = new Promise<void>((resolve) => {
      open = resolve;
    });
    return { open, opened };
  }

  async function readAll(response: Response, onChunk?: (text: string) => void): Promise<string> {
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const decoder = new TextDecoder();
    let text = '';
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return text;
      text += decoder.decode(value, { stream: true });
      onChunk?.(text);
    }
  }

  it('sends every chunk of several res.write calls through the Response the middleware returned', async () => {
    const second = gate();
    const finished = gate();
    const application = express();
    application.use(toExpress(shout));
    application.get('/rows', (_req, res) => {
      res.setHeader('content-type', 'text/plain');
      res.write('a\n');
      // The second row only once the client has the first: a buffering adapter would hang here.
      void second.opened.then(() => {
        res.write('b\n');
        res.end('c\n', () => finished.open());
      });
    });
    const url = await listen(createServer(application));
    const response = await fetch(`${url}/rows`);
    expect(response.headers.get('x-shout')).toBe('yes');
    expect(response.headers.get('content-type')).toBe('text/plain');
    const text = await readAll(response, (sofar) => {
      if (sofar === 'A\n') second.open();
    });
    expect(text).toBe('A\nB\nC\n');
    await finished.opened;
  });

  it('streams a slow piped Readable with backpressure, all through the middleware', async () => {
    const chunk = 'x'.repeat(16_384);
    const count = 256; // 4 MiB: far past the 64 KiB the capture holds before res.write returns false
    let drains = 0;
    const pipelineDone = gate();
    const application = express();
    application.use(toExpress(shout));
    application.get('/big', (_req, res) => {
      res.on('drain', () => drains++);
      const source = Readable.from(
        (async function* () {
          for (let index = 0; index < count; index++) {
            // A slow producer: each chunk waits for the event loop to turn.
            await new Promise((resolve) => setImmediate(resolve));
            yield chunk;
          }
        })(),
        { objectMode: false },
      );
      pipeline(source, res, (error) => (error ? pipelineDone.open() : pipelineDone.open()));
    });
    const url = await listen(createServer(application));
    const response = await fetch(`${url}/big`);
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    let bytes = 0;
    let allUpper = true;
    for (;;) {
      const { value, done } = await reader.read();
      if (done) break;
      bytes += value.byteLength;
      if (value.includes(0x78 /* x */)) allUpper = false;
    }
    await pipelineDone.opened;
    expect(bytes).toBe(chunk.length * count);
    expect(allUpper).toBe(true);
    expect(drains).toBeGreaterThan(0);
  });

  it('destroys the route stream when the client aborts mid-stream, with nothing left pending', {
    timeout: 30_000,
  }, async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    const destroyed = gate();
    const routeDone = gate();
    let pipelineError: unknown;
    let source: Readable | undefined;
    const middlewareDone = gate();
    const tracking: Middleware = async (request, next) => {
      try {
        return await shout(request, next);
      } finally {
        middlewareDone.open();
      }
    };
    const application = express();
    application.use(toExpress(tracking));
    application.get('/endless', (_req, res) => {
      source = new Readable({
        read() {
          this.push('tick\n');
        },
      });
      source.once('close', () => destroyed.open());
      pipeline(source, res, (error) => {
        pipelineError = error;
        routeDone.open();
      });
    });
    const url = await listen(createServer(application));
    const controller = new AbortController();
    const response = await fetch(`${url}/endless`, { signal: controller.signal });
    const reader = (response.body as ReadableStream<Uint8Array>).getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toContain('TICK');
    controller.abort();
    await reader.read().catch(() => {});
    await Promise.all([destroyed.opened, routeDone.opened, middlewareDone.opened]);
    expect(source?.destroyed).toBe(true);
    expect((pipelineError as NodeJS.ErrnoException | undefined)?.code).toBe('ERR_STREAM_PREMATURE_CLOSE');
    // Let any stray rejection surface before checking.
    await new Promise((resolve) => setImmediate(resolve));
    process.off('unhandledRejection', onUnhandled);
    expect(unhandled).toEqual([]);
  });

  it('keeps flushHeaders, HEAD, a fixed head after the first write, and a middleware that ignores the body', async () => {
    const headerError = gate();
    let caught: unknown;
    const routeFinished = gate();
    const application = express();
    application.use(
      toExpress(async (request, next) => {
        const response = await next(request);
        if (new URL(request.url).pathname === '/replaced') return new Response('replaced', { status: 201 });
        return shout(request, async () => response);
      }),
    );
    application.get('/events', (_req, res) => {
      res.setHeader('content-type', 'text/event-stream');
      res.flushHeaders();
      res.write('data: one\n\n');
      try {
        res.setHeader('x-late', '1');
      } catch (error) {
        caught = error;
      }
      headerError.open();
      res.end('data: two\n\n');
    });
    application.get('/replaced', (_req, res) => {
      // More than the capture holds: without the middleware's answer cancelling the unread
      // body, res.write would keep returning false and this pipeline would never finish.
      const source = Readable.from(
        (function* () {
          for (let index = 0; index < 64; index++) yield 'y'.repeat(16_384);
        })(),
      );
      pipeline(source, res, () => routeFinished.open());
    });
    const url = await listen(createServer(application));

    const events = await fetch(`${url}/events`);
    expect(events.headers.get('content-type')).toBe('text/event-stream');
    expect(events.headers.get('x-shout')).toBe('yes');
    expect(await events.text()).toBe('DATA: ONE\n\nDATA: TWO\n\n');
    await headerError.opened;
    expect((caught as NodeJS.ErrnoException).code).toBe('ERR_HTTP_HEADERS_SENT');
    expect(events.headers.get('x-late')).toBeNull();

    const head = await fetch(`${url}/events`, { method: 'HEAD' });
    expect([head.status, head.headers.get('x-shout'), await head.text()]).toEqual([200, 'yes', '']);

    const replaced = await fetch(`${url}/replaced`);
    expect([replaced.status, await replaced.text()]).toEqual([201, 'replaced']);
    await routeFinished.opened;

    // The connection is still good for another request afterwards.
    const again = await fetch(`${url}/events`);
    expect(await again.text()).toBe('DATA: ONE\n\nDATA: TWO\n\n');
  });
});
