import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { compose, type Middleware } from '@adv/types';
import { afterEach, describe, expect, it } from 'vitest';
import {
  AsyncError,
  isGlobalResponseOverridden,
  OriginalResponse,
  overrideGlobalResponse,
  type Server,
  serve,
  toNodeHandler,
} from '../src/index.js';
import { lazyParts } from '../src/response/index.js';

const restores: (() => void)[] = [];
const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((server) => server.close()));
  for (const restore of restores.splice(0)) restore();
  expect(globalThis.Response).toBe(OriginalResponse);
});

function install(): void {
  restores.push(overrideGlobalResponse());
  expect(isGlobalResponseOverridden()).toBe(true);
}

async function start(handler: (request: Request) => Response | Promise<Response>, options = {}): Promise<Server> {
  const server = await serve(handler, { port: 0, ...options });
  servers.push(server);
  return server;
}

describe('overrideGlobalResponse()', () => {
  it('gives responses made with no init their own headers and the header list of each body kind', () => {
    install();
    // Many lazy responses share one default init; nothing of one may reach another.
    const first = new Response('héllo');
    const second = new Response('héllo');
    first.headers.set('x-first', '1');
    first.headers.delete('content-type');
    expect(second.headers.get('x-first')).toBeNull();
    expect(second.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(lazyParts(first)?.headers).toEqual(['x-first', '1', 'content-length', '6']);
    expect(lazyParts(second)).toEqual({
      body: 'héllo',
      headers: ['content-type', 'text/plain;charset=UTF-8', 'content-length', '6'],
    });
    expect(lazyParts(new Response(new Uint8Array([1, 2, 3])))?.headers).toEqual(['content-length', '3']);
    expect(lazyParts(new Response(null))).toEqual({ body: null, headers: [] });
    expect(lazyParts(new Response())).toEqual({ body: null, headers: [] });
    expect(lazyParts(new Response(''))).toEqual({
      body: '',
      headers: ['content-type', 'text/plain;charset=UTF-8', 'content-length', '0'],
    });
    const made = new Response('x', { status: 201, statusText: 'Made' });
    expect([made.status, made.statusText, second.status, second.statusText]).toEqual([201, 'Made', 200, '']);
    // A response turned into undici's object is no longer written from memory.
    void first.clone();
    expect(lazyParts(first)).toBeUndefined();
    expect(lazyParts(second)).toBeDefined();
  });

  it('makes lazy responses that are Responses with status, statusText, ok and headers', async () => {
    install();
    const response = new Response('hello', { status: 201, statusText: 'Made', headers: { 'x-a': '1' } });
    expect(response).toBeInstanceOf(Response);
    expect(response).toBeInstanceOf(OriginalResponse);
    expect(Object.prototype.toString.call(response)).toBe('[object Response]');
    expect([response.status, response.statusText, response.ok]).toEqual([201, 'Made', true]);
    expect(response.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(response.headers.get('x-a')).toBe('1');
    expect(lazyParts(response)).toBeDefined(); // nothing above needed the undici object
    expect(new Response(null, { status: 404 }).ok).toBe(false);
    // Same defaults as undici: no content type for bytes or no body.
    expect(new Response(new Uint8Array([1])).headers.get('content-type')).toBeNull();
    expect(new Response().headers.get('content-type')).toBeNull();
    const own = new Response('x', { headers: { 'content-type': 'text/csv' } });
    expect(own.headers.get('content-type')).toBe('text/csv');
  });

  it('reads bodies like undici: body, text, json, arrayBuffer, blob, clone, bodyUsed', async () => {
    install();
    const response = new Response('{"a":1}');
    const copy = response.clone();
    expect(copy).toBeInstanceOf(Response);
    expect(await copy.json()).toEqual({ a: 1 });
    expect(response.bodyUsed).toBe(false);
    expect(response.body).toBeInstanceOf(ReadableStream);
    expect(await response.text()).toBe('{"a":1}');
    expect(response.bodyUsed).toBe(true);
    await expect(response.text()).rejects.toThrow(TypeError);
    const bytes = new Uint8Array([104, 105]);
    const binary = new Response(bytes);
    bytes[0] = 0; // undici copies the bytes at construction; so does the light one
    expect(new Uint8Array(await binary.arrayBuffer())).toEqual(new Uint8Array([104, 105]));
    expect(await (await new Response('blob').blob()).text()).toBe('blob');
    expect(new Response(null).body).toBeNull();
    expect(new Response().type).toBe('default');
  });

  it('keeps a private copy of each byte body, small (pooled) or large, through a pool running full', async () => {
    install();
    // Sizes around the pooled limit (8 KB); six rounds put about 98 KB through the 64 KB pools.
    const sizes = [1, 7, 8, 9, 8191, 8192, 8193, 20_000];
    const made: { expected: Uint8Array; response: Response }[] = [];
    for (let round = 0; round < 6; round += 1) {
      for (const size of sizes) {
        const bytes = new Uint8Array(size).map((_, index) => (index * 7 + round + size) % 251);
        const expected = bytes.slice();
        const response = new Response(bytes);
        bytes.fill(0); // the caller's bytes change after construction: the response keeps its copy
        made.push({ expected, response });
      }
    }
    const empty = new Response(new Uint8Array(0));
    const server = await start((request) => made[Number(new URL(request.url).searchParams.get('i'))]!.response);
    for (const [index, { expected, response }] of made.entries()) {
      if (index % 2 === 0) {
        // Written by serve() from memory.
        const got = await fetch(`${server.url}/?i=${index}`);
        expect(got.headers.get('content-length')).toBe(String(expected.byteLength));
        expect(Buffer.from(await got.arrayBuffer()).equals(expected)).toBe(true);
      } else {
        // Read through undici's Response, built from the copy.
        expect(Buffer.from(await response.arrayBuffer()).equals(expected)).toBe(true);
      }
    }
    expect((await empty.arrayBuffer()).byteLength).toBe(0);
  });

  it('keeps the static members and undici errors', async () => {
    install();
    const json = Response.json({ id: 1 }, { status: 202 });
    expect(json).toBeInstanceOf(Response);
    expect(json.status).toBe(202);
    expect(json.headers.get('content-type')).toBe('application/json');
    expect(await json.json()).toEqual({ id: 1 });
    const redirect = Response.redirect('https://example.com/next', 307);
    expect(redirect).toBeInstanceOf(Response);
    expect([redirect.status, redirect.headers.get('location')]).toEqual([307, 'https://example.com/next']);
    expect(Response.error().type).toBe('error');
    expect(() => Response.redirect('https://example.com/', 200)).toThrow(RangeError);
    // Anything the fast path does not take goes to undici, which throws its own errors.
    expect(() => new Response('x', { status: 99 })).toThrow(RangeError);
    expect(() => new Response('x', { status: 204 })).toThrow(TypeError);
    expect(() => new Response('x', { statusText: 'bad\nline' })).toThrow(TypeError);
    expect(() => new Response('x', { headers: { 'bad name': 'x' } })).toThrow(TypeError);
    // @ts-expect-error called without new, like a class constructor
    expect(() => Response('x')).toThrow(TypeError);
    expect(new Response(null, { status: 204 }).status).toBe(204);
    // null is not "absent" to undici: it converts it, and so the light one leaves it to undici.
    expect(() => new Response('x', { status: null as unknown as number })).toThrow(RangeError);
    expect(new Response('x', { statusText: null as unknown as string }).statusText).toBe('null');
    expect(new Response('x', { status: undefined, statusText: undefined } as unknown as ResponseInit).status).toBe(200);
  });

  it('gives fetch() results, streams and subclasses instanceof Response', async () => {
    install();
    expect(await fetch('data:,x')).toBeInstanceOf(Response);
    const stream = new Response(new ReadableStream({ start: (c) => c.close() }));
    expect(stream).toBeInstanceOf(Response);
    expect(Object.getPrototypeOf(stream)).toBe(OriginalResponse.prototype); // a real one
    class Tagged extends Response {
      tag(): string {
        return `tagged ${this.status}`;
      }
    }
    const lazy = new Tagged('sub', { status: 203 });
    const real = new Tagged(new Blob(['blob']));
    for (const response of [lazy, real]) {
      expect(response).toBeInstanceOf(Tagged);
      expect(response).toBeInstanceOf(Response);
    }
    expect(lazy.tag()).toBe('tagged 203');
    expect(await lazy.text()).toBe('sub');
    expect(real.tag()).toBe('tagged 200');
    expect(await real.text()).toBe('blob');
    expect(new Response('x')).not.toBeInstanceOf(Tagged);
  });

  it('counts installs and restores the original global when the last one restores', () => {
    const first = overrideGlobalResponse();
    const second = overrideGlobalResponse();
    expect(isGlobalResponseOverridden()).toBe(true);
    first();
    first(); // idempotent: does not undo the second install
    expect(isGlobalResponseOverridden()).toBe(true);
    const made = new Response('made while installed');
    second();
    expect(globalThis.Response).toBe(OriginalResponse);
    expect(new Response('x')).toBeInstanceOf(OriginalResponse);
    expect(Object.getPrototypeOf(new Response('x'))).toBe(OriginalResponse.prototype);
    // Light responses made earlier keep working.
    expect(made).toBeInstanceOf(Response);
    return expect(made.text()).resolves.toBe('made while installed');
  });
});

describe('serve() with overrideGlobalResponse', () => {
  it('is on by default while the server runs and restored on close()', async () => {
    const server = await serve(() => new Response('hi'), { port: 0 });
    expect(isGlobalResponseOverridden()).toBe(true);
    await server.close();
    expect(globalThis.Response).toBe(OriginalResponse);
    const plain = await serve(() => new Response('hi'), { port: 0, overrideGlobalResponse: false });
    servers.push(plain);
    expect(isGlobalResponseOverridden()).toBe(false);
    expect(await (await fetch(plain.url)).text()).toBe('hi');
  });

  it('keeps the override until the last of two servers closes', async () => {
    const a = await serve(() => new Response('a'), { port: 0 });
    const b = await serve(() => new Response('b'), { port: 0 });
    await a.close();
    expect(isGlobalResponseOverridden()).toBe(true);
    expect(await (await fetch(b.url)).text()).toBe('b');
    await b.close();
    expect(globalThis.Response).toBe(OriginalResponse);
  });

  it('writes string, byte and empty bodies from memory, with status and headers', async () => {
    const returned: Response[] = [];
    const server = await start((request) => {
      const path = new URL(request.url).pathname;
      const response =
        path === '/bytes'
          ? new Response(new Uint8Array([1, 2, 3]), { headers: { 'content-type': 'application/octet-stream' } })
          : path === '/empty'
            ? new Response(null, { status: 204, headers: { 'x-empty': '1' } })
            : new Response('hello', { status: 202, statusText: 'Queued' });
      returned.push(response);
      return response;
    });
    const hello = await fetch(server.url);
    expect([hello.status, hello.statusText]).toEqual([202, 'Queued']);
    expect(hello.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(hello.headers.get('content-length')).toBe('5');
    expect(await hello.text()).toBe('hello');
    const bytes = await fetch(`${server.url}/bytes`);
    expect(bytes.headers.get('content-length')).toBe('3');
    expect(new Uint8Array(await bytes.arrayBuffer())).toEqual(new Uint8Array([1, 2, 3]));
    const empty = await fetch(`${server.url}/empty`);
    expect([empty.status, empty.headers.get('x-empty'), await empty.text()]).toEqual([204, '1', '']);
    const head = await fetch(server.url, { method: 'HEAD' });
    expect([head.headers.get('content-length'), await head.text()]).toEqual(['5', '']);
    // serve() never needed the undici object (nor its ReadableStream) for any of them.
    expect(returned).toHaveLength(4);
    for (const response of returned) expect(lazyParts(response)).toBeDefined();
  });

  it('still streams a ReadableStream body chunk by chunk', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await start(
      () =>
        new Response(
          new ReadableStream<Uint8Array>({
            async start(controller) {
              controller.enqueue(new TextEncoder().encode('first;'));
              await released; // the second chunk waits until the client has the first one
              controller.enqueue(new TextEncoder().encode('second'));
              controller.close();
            },
          }),
        ),
    );
    const chunks = await new Promise<string[]>((resolve, reject) => {
      const received: string[] = [];
      httpRequest(server.url, (res) => {
        expect(res.headers['transfer-encoding']).toBe('chunked');
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          received.push(chunk);
          if (received.length === 1) release();
        });
        res.on('end', () => resolve(received));
        res.on('error', reject);
      })
        .on('error', reject)
        .end();
    });
    expect(chunks).toEqual(['first;', 'second']);
  });

  it('serves a response that middleware read and re-wrapped', async () => {
    const upper: Middleware = async (request, next) => {
      const response = await next(request);
      const body = await response.text();
      const wrapped = new Response(body.toUpperCase(), response);
      wrapped.headers.set('x-upper', '1');
      return wrapped;
    };
    const passThrough: Middleware = async (request, next) => {
      const response = await next(request);
      return new Response(response.body, response); // streams the (now real) body on
    };
    const server = await start(
      compose(
        passThrough,
        upper,
      )(() => new Response('quiet', { status: 201, statusText: 'Made', headers: { 'x-inner': 'yes' } })),
    );
    const response = await fetch(server.url);
    expect([response.status, response.statusText]).toEqual([201, 'Made']);
    expect(response.headers.get('x-inner')).toBe('yes');
    expect(response.headers.get('x-upper')).toBe('1');
    expect(response.headers.get('content-type')).toBe('text/plain;charset=UTF-8');
    expect(await response.text()).toBe('QUIET');
  });

  it('works under toNodeHandler() when installed explicitly', async () => {
    install();
    const returned: Response[] = [];
    const node = createServer(
      toNodeHandler(() => {
        const response = new Response('from node', { headers: { 'x-node': '1' } });
        returned.push(response);
        return response;
      }),
    ).listen(0, '127.0.0.1');
    await once(node, 'listening');
    try {
      const response = await fetch(`http://127.0.0.1:${(node.address() as AddressInfo).port}/`);
      expect([response.headers.get('x-node'), response.headers.get('content-length')]).toEqual(['1', '9']);
      expect(await response.text()).toBe('from node');
      expect(lazyParts(returned[0]!)).toBeDefined();
    } finally {
      await new Promise((resolve) => node.close(resolve));
    }
  });

  it('rejects a non-boolean overrideGlobalResponse', async () => {
    await expect(
      serve(() => new Response('x'), { port: 0, overrideGlobalResponse: 'yes' as unknown as boolean }),
    ).rejects.toSatisfy((error) => error instanceof AsyncError && error.code === 'ERR_INVALID_OPTION');
    expect(globalThis.Response).toBe(OriginalResponse);
  });
});
