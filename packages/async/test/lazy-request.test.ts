import { afterEach, describe, expect, it } from 'vitest';
import { type Server, serve } from '../src/index.js';

let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Runs `inspect` on the request `serve()` hands to a handler and returns what it reports. */
async function inspectRequest(inspect: (request: Request) => unknown, init?: RequestInit): Promise<unknown> {
  server = await serve(async (request) => Response.json(await inspect(request)), { port: 0 });
  const response = await fetch(`${server.url}/path?q=1`, { headers: { 'x-test': 'yes', cookie: 'a=1' }, ...init });
  return response.json();
}

describe('the Request a GET handler receives', () => {
  it('has Fetch headers (light ones): case-insensitive, repeated values combined, copied by new Request', async () => {
    const seen = await inspectRequest(
      (request) => ({
        isHeaders: request.headers instanceof Headers,
        accept: request.headers.get('ACCEPT'),
        repeated: request.headers.get('x-many'),
        copied: new Request('http://copy/', { headers: request.headers }).headers.get('x-many'),
        clone: new Request(request).headers.get('x-test'),
      }),
      {
        headers: [
          ['x-test', 'yes'],
          ['accept', 'text/html'],
          ['x-many', 'a'],
          ['x-many', 'b'],
        ],
      },
    );
    expect(seen).toEqual({ isHeaders: true, accept: 'text/html', repeated: 'a, b', copied: 'a, b', clone: 'yes' });
  });

  it('is a Request with method, URL and headers', async () => {
    const seen = await inspectRequest((request) => ({
      isRequest: request instanceof Request,
      tag: Object.prototype.toString.call(request),
      method: request.method,
      path: new URL(request.url).pathname,
      header: request.headers.get('x-test'),
      body: request.body,
      bodyUsed: request.bodyUsed,
      aborted: request.signal.aborted,
    }));
    expect(seen).toEqual({
      isRequest: true,
      tag: '[object Request]',
      method: 'GET',
      path: '/path',
      header: 'yes',
      body: null,
      bodyUsed: false,
      aborted: false,
    });
  });

  it('can be derived with new Request(request, init), cloned and read', async () => {
    const seen = await inspectRequest(async (request) => {
      const derived = new Request(request, { headers: { 'x-derived': '1' } });
      const moved = new Request('http://elsewhere/', request);
      const copy = request.clone();
      return {
        derivedUrl: derived.url,
        derivedHeader: derived.headers.get('x-derived'),
        movedMethod: moved.method,
        copyHeader: copy.headers.get('x-test'),
        text: await request.text(),
        mode: request.mode,
      };
    });
    expect(seen).toEqual({
      derivedUrl: `${server!.url}/path?q=1`,
      derivedHeader: '1',
      movedMethod: 'GET',
      copyHeader: 'yes',
      text: '',
      mode: 'cors',
    });
  });

  it('can be passed to fetch()', async () => {
    const upstream = await serve((request) => new Response(`upstream saw ${request.headers.get('x-test')}`), {
      port: 0,
    });
    try {
      const seen = await inspectRequest(async (request) => {
        const forwarded = new Request(`${upstream.url}/`, request);
        return (await fetch(forwarded)).text();
      });
      expect(seen).toBe('upstream saw yes');
    } finally {
      await upstream.close();
    }
  });
});
