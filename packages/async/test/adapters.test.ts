import { once } from 'node:events';
import { createServer, type Server as NodeServer } from 'node:http';
import type { AddressInfo } from 'node:net';
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
