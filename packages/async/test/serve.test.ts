import { Agent, request as httpRequest } from 'node:http';
import { connect as netConnect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { AsyncError, OriginalResponse, type Server, serve, text } from '../src/index.js';
import { sleep, until } from './helpers.js';

let servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.map((server) => server.close()));
  servers = [];
});
async function start(...args: Parameters<typeof serve>): Promise<Server> {
  const server = await serve(args[0], { port: 0, ...args[1] });
  servers.push(server);
  return server;
}

/** Sends a raw chunked POST without Content-Length. */
function postChunked(url: string, chunks: string[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { 'transfer-encoding': 'chunked' } }, (res) => {
      let body = '';
      res.on('data', (chunk) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    for (const chunk of chunks) req.write(chunk);
    req.end();
  });
}

describe('serve', () => {
  it('binds port 0 and answers a Fetch handler with the request URL, method and headers', async () => {
    const server = await start((request) =>
      Response.json(
        { url: request.url, method: request.method, hello: request.headers.get('x-hello') },
        { headers: { 'set-cookie': 'a=1' } },
      ),
    );
    expect(server.port).toBeGreaterThan(0);
    expect(server.url).toBe(`http://127.0.0.1:${server.port}`);
    const response = await fetch(`${server.url}/path?q=1`, { headers: { 'x-hello': 'world' } });
    expect(response.status).toBe(200);
    expect(response.headers.get('content-length')).not.toBeNull();
    expect(response.headers.getSetCookie()).toEqual(['a=1']);
    expect(await response.json()).toEqual({ url: `${server.url}/path?q=1`, method: 'GET', hello: 'world' });
  });

  it('keeps every Set-Cookie header apart', async () => {
    const server = await start(() => {
      const headers = new Headers();
      headers.append('set-cookie', 'a=1; Path=/');
      headers.append('set-cookie', 'b=2; Path=/');
      return new Response('ok', { headers });
    });
    const response = await fetch(server.url);
    expect(response.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2; Path=/']);
  });

  it('streams the request body to the handler and the response body back', async () => {
    const server = await start(async (request) => {
      const text = await request.text();
      return new Response(text.toUpperCase());
    });
    expect(await postChunked(server.url, ['ab', 'cd', 'ef'])).toEqual({ status: 200, body: 'ABCDEF' });
  });

  it('sends streamed chunks before the body is complete', async () => {
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    const server = await start(
      () =>
        new Response(
          new ReadableStream({
            async start(controller) {
              controller.enqueue(new TextEncoder().encode('first;'));
              await gate;
              controller.enqueue(new TextEncoder().encode('second'));
              controller.close();
            },
          }),
        ),
    );
    const response = await fetch(server.url);
    const reader = response.body!.getReader();
    const first = await reader.read();
    expect(new TextDecoder().decode(first.value)).toBe('first;');
    release();
    let rest = '';
    for (let next = await reader.read(); !next.done; next = await reader.read())
      rest += new TextDecoder().decode(next.value);
    expect(rest).toBe('second');
  });

  it('answers 413 when Content-Length exceeds bodyLimit, before the handler runs', async () => {
    let called = false;
    const server = await start(
      () => {
        called = true;
        return new Response('no');
      },
      { bodyLimit: 10 },
    );
    const response = await fetch(server.url, { method: 'POST', body: 'x'.repeat(11) });
    expect(response.status).toBe(413);
    expect(called).toBe(false);
  });

  it('errors a chunked body that grows past bodyLimit (413 when the handler lets it escape)', async () => {
    let seen: unknown;
    const server = await start(
      async (request) => {
        try {
          await request.text();
        } catch (error) {
          seen = error;
          throw error;
        }
        return new Response('read');
      },
      { bodyLimit: 5 },
    );
    const result = await postChunked(server.url, ['abc', 'def', 'ghi']);
    expect(result.status).toBe(413);
    expect((seen as AsyncError).code).toBe('ERR_BODY_TOO_LARGE');
    expect(await postChunked(server.url, ['ab', 'c'])).toEqual({ status: 200, body: 'read' });
  });

  it('answers 500 when the handler throws or returns something else than a Response, and logs it', async () => {
    const logged: unknown[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (fields: unknown) => logged.push(fields) };
    const server = await start(
      (request) => {
        if (request.url.endsWith('/throw')) throw new Error('boom');
        return 'not a response' as unknown as Response;
      },
      { logger },
    );
    expect((await fetch(`${server.url}/throw`)).status).toBe(500);
    expect((await fetch(`${server.url}/other`)).status).toBe(500);
    expect(logged).toHaveLength(2);
  });

  it('answers 500 (not a hang) when the handler returns a Response whose body was already read', async () => {
    const logged: { err?: Error }[] = [];
    const logger = {
      debug() {},
      info() {},
      warn() {},
      error: (fields: unknown) => {
        logged.push(fields as { err?: Error });
      },
    };
    const server = await start(
      async (request) => {
        const response = new Response('used once');
        if (request.url.endsWith('/cancelled')) await response.body?.cancel();
        else await response.text();
        return response;
      },
      { logger },
    );
    for (const path of ['/read', '/cancelled']) {
      const response = await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(10_000) });
      expect(response.status).toBe(500);
      expect(await response.text()).toBe('Internal Server Error');
    }
    expect(logged.map((fields) => fields.err?.message)).toEqual([
      'The handler returned a Response whose body was already read or locked (`bodyUsed`)',
      'The handler returned a Response whose body was already read or locked (`bodyUsed`)',
    ]);
  });

  it('lets onError map errors to responses', async () => {
    const server = await start(
      () => {
        throw new AsyncError('ERR_TIMEOUT', 'slow');
      },
      { onError: (error) => (error instanceof AsyncError ? new Response(error.code, { status: 504 }) : undefined) },
    );
    const response = await fetch(server.url);
    expect(response.status).toBe(504);
    expect(await response.text()).toBe('ERR_TIMEOUT');
  });

  it('answers the default 500 and logs both errors when onError itself throws or rejects', async () => {
    const logged: { msg: string; err: unknown }[] = [];
    const logger = {
      debug() {},
      info() {},
      warn() {},
      error: (fields: unknown, msg?: unknown) =>
        logged.push({ msg: String(msg), err: (fields as { err: unknown }).err }),
    };
    const server = await start(
      () => {
        throw new Error('handler failed');
      },
      {
        logger,
        onError: (_error, request) => {
          if (request.url.endsWith('/sync')) throw new Error('onError threw');
          return Promise.reject(new Error('onError rejected'));
        },
      },
    );
    for (const path of ['/sync', '/async']) {
      const response = await fetch(`${server.url}${path}`, { signal: AbortSignal.timeout(10_000) });
      expect([response.status, await response.text()]).toEqual([500, 'Internal Server Error']);
    }
    expect(logged.map(({ msg, err }) => [msg, (err as Error).message])).toEqual([
      ['onError failed', 'onError threw'],
      ['request handler failed', 'handler failed'],
      ['onError failed', 'onError rejected'],
      ['request handler failed', 'handler failed'],
    ]);
  });

  it('counts each request in flight until its response closes, in any order, and aborts the rest on shutdown', async () => {
    const gates = new Map<string, () => void>();
    const reasons = new Map<string, unknown>();
    const server = await serve(
      (request) =>
        new Promise<Response>((resolve) => {
          const path = new URL(request.url).pathname;
          gates.set(path, () => resolve(text(`done ${path}`)));
          request.signal.addEventListener('abort', () => {
            reasons.set(path, request.signal.reason);
            resolve(text('aborted'));
          });
        }),
      { port: 0, shutdownTimeout: 50 },
    );
    const paths = ['/a', '/b', '/c', '/d'];
    const answers = paths.map((path) =>
      fetch(`${server.url}${path}`).then(
        (response) => response.text(),
        () => 'cut',
      ),
    );
    await until(() => gates.size === paths.length);
    expect(server.inFlight).toBe(4);
    // The middle one first, then the newest, then the oldest: each leaves the count exactly once.
    gates.get('/b')!();
    expect(await answers[1]).toBe('done /b');
    await until(() => server.inFlight === 3);
    gates.get('/d')!();
    expect(await answers[3]).toBe('done /d');
    await until(() => server.inFlight === 2);
    gates.get('/a')!();
    expect(await answers[0]).toBe('done /a');
    await until(() => server.inFlight === 1);
    await server.close();
    await answers[2];
    // The cut connection's response closes once its socket is destroyed.
    await until(() => server.inFlight === 0);
    expect([...reasons.keys()]).toEqual(['/c']);
    expect((reasons.get('/c') as AsyncError).code).toBe('ERR_CLOSED');
  });

  it('sends no body for HEAD', async () => {
    const server = await start(() => new Response('hello'));
    const response = await fetch(server.url, { method: 'HEAD' });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('');
  });

  it('aborts request.signal when the client disconnects', async () => {
    let aborted: unknown;
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const server = await start(
      (request) =>
        new Promise<Response>((resolve) => {
          started();
          request.signal.addEventListener('abort', () => {
            aborted = request.signal.reason;
            resolve(new Response('late'));
          });
        }),
    );
    const socket = netConnect(server.port, '127.0.0.1');
    socket.write(`GET / HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`);
    await running;
    socket.destroy();
    await until(() => aborted !== undefined);
    expect((aborted as AsyncError).code).toBe('ERR_ABORTED');
  });

  it('shuts down gracefully: refuses new connections, finishes in-flight requests, then resolves', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const server = await serve(
      async () => {
        started();
        await sleep(300);
        return new Response('finished');
      },
      { port: 0 },
    );
    const inFlight = fetch(server.url).then((response) => response.text());
    await running;
    expect(server.inFlight).toBe(1);
    const closing = server.close();
    expect(await inFlight).toBe('finished');
    await closing;
    await server.closed;
    await expect(fetch(server.url)).rejects.toThrow();
    expect(server.close()).toBe(closing);
  });

  it('tells keep-alive clients to close once their in-flight response is done', async () => {
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const server = await serve(
      async () => {
        started();
        await sleep(100);
        return new Response('bye');
      },
      { port: 0 },
    );
    const agent = new Agent({ keepAlive: true });
    const headers = new Promise<Record<string, unknown>>((resolve, reject) => {
      httpRequest(server.url, { agent }, (res) => {
        res.resume();
        res.on('end', () => resolve(res.headers));
      })
        .on('error', reject)
        .end();
    });
    await running;
    const closing = server.close();
    expect((await headers).connection).toBe('close');
    await closing;
    agent.destroy();
  });

  it('aborts requests still running after shutdownTimeout', async () => {
    let reason: unknown;
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    const server = await serve(
      (request) =>
        new Promise<Response>((resolve) => {
          started();
          request.signal.addEventListener('abort', () => {
            reason = request.signal.reason;
            resolve(new Response('aborted'));
          });
        }),
      { port: 0, shutdownTimeout: 50 },
    );
    const inFlight = fetch(server.url).then(
      (response) => response.text(),
      () => 'connection cut',
    );
    await running;
    await server.close();
    await inFlight;
    expect((reason as AsyncError).code).toBe('ERR_CLOSED');
  });

  /** Opens a raw socket, writes `text`, and resolves with everything the server sent once it closes. */
  function rawExchange(port: number, text: string): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = netConnect(port, '127.0.0.1', () => socket.write(text));
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
      });
      socket.on('error', reject);
      socket.on('close', () => resolve(received));
    });
  }

  it('answers 408 and disconnects a client that sends its headers too slowly (slowloris)', {
    timeout: 15_000,
  }, async () => {
    // Node checks these timers every connectionsCheckingInterval (30 s unless serve sets it):
    // without serve following the timeout, this socket would stay open past the test timeout.
    const server = await start(() => new Response('never'), { headersTimeout: 200, requestTimeout: 400 });
    const received = await rawExchange(server.port, 'GET / HTTP/1.1\r\nHost: localhost\r\nX-Slow: ');
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
  });

  it('answers 408 when the request body does not arrive within requestTimeout', { timeout: 15_000 }, async () => {
    let bodyError: unknown;
    const server = await start(
      async (request) => {
        await request.text().catch((error: unknown) => {
          bodyError = error;
        });
        return new Response('read');
      },
      { requestTimeout: 300 },
    );
    const received = await rawExchange(
      server.port,
      'POST / HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\nonly part of it',
    );
    expect(received).toMatch(/^HTTP\/1\.1 408 /);
    await until(() => bodyError !== undefined);
  });

  it('closes an idle keep-alive connection after keepAliveTimeout', { timeout: 15_000 }, async () => {
    const server = await start(() => new Response('hi'), { keepAliveTimeout: 1_000 });
    const received = await rawExchange(server.port, 'GET / HTTP/1.1\r\nHost: localhost\r\n\r\n');
    expect(received).toMatch(/^HTTP\/1\.1 200 [\s\S]*Keep-Alive: timeout=1[\s\S]*\r\n\r\nhi$/i);
  });

  it('rejects a headersTimeout longer than requestTimeout with a typed error', async () => {
    await expect(
      serve(() => new Response(''), { port: 0, headersTimeout: 5_000, requestTimeout: 1_000 }),
    ).rejects.toThrow('Expected `headersTimeout` to be at most `requestTimeout` (1000 ms), got `5000` (number)');
    // The default headersTimeout follows a shorter requestTimeout instead of failing.
    const server = await start(() => new Response('ok'), { requestTimeout: 1_000 });
    expect((await fetch(server.url)).status).toBe(200);
    expect(server.node.headersTimeout).toBe(1_000);
  });

  it('closes when its signal aborts', async () => {
    const controller = new AbortController();
    const server = await serve(() => new Response('ok'), { port: 0, signal: controller.signal });
    expect((await fetch(server.url)).status).toBe(200);
    controller.abort();
    await server.closed;
    await expect(fetch(server.url)).rejects.toThrow();
  });

  it('rejects when the port is taken', async () => {
    const first = await start(() => new Response('a'));
    await expect(serve(() => new Response('b'), { port: first.port })).rejects.toThrow(/EADDRINUSE/);
  });
});

describe('serve: methods a Fetch Request cannot carry', () => {
  /** Sends `text` on a raw socket and collects everything until the server closes or `stop` matches. */
  function raw(server: Server, text: string, stop: RegExp): Promise<string> {
    return new Promise((resolve, reject) => {
      const socket = netConnect(server.port, '127.0.0.1', () => socket.write(text));
      let received = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        received += chunk;
        if (stop.test(received)) {
          socket.destroy();
          resolve(received);
        }
      });
      socket.on('end', () => resolve(received));
      socket.on('error', reject);
    });
  }

  it('answers TRACE with 405 (Allow, no echo) without calling the handler, and keeps the connection', async () => {
    let calls = 0;
    const server = await start(() => {
      calls++;
      return new Response('ok');
    });
    {
      const answer = await raw(
        server,
        `TRACE /secret HTTP/1.1\r\nHost: x\r\nCookie: session=s3cr3t\r\n\r\nGET /after HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n`,
        /\r\n\r\nok$/,
      );
      const [first, second] = answer.split(/(?=HTTP\/1\.1 )/);
      expect(first).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
      expect(first).toMatch(/\r\nallow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n/i);
      expect(first).toMatch(/\r\n\r\nMethod Not Allowed$/);
      expect(answer).not.toContain('s3cr3t');
      expect(answer).not.toContain('/secret');
      // The same connection then serves the next request.
      expect(second).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*\r\n\r\nok$/);
    }
    expect(calls).toBe(1);
    // Node's parser does not know TRACK at all: it answers 400 itself, before serve sees it.
    const track = await raw(server, 'TRACK / HTTP/1.1\r\nHost: x\r\n\r\n', /$^/);
    expect(track).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
  });

  it('answers CONNECT with 405 and closes, unless the application listens for it', async () => {
    const server = await start(() => new Response('ok'));
    const answer = await raw(server, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', /$^/);
    expect(answer).toMatch(/^HTTP\/1\.1 405 Method Not Allowed\r\n/);
    expect(answer).toMatch(/\r\nAllow: GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS\r\n/);
    expect(answer).toMatch(/\r\n\r\nMethod Not Allowed$/);

    server.node.on('connect', (_req, socket) => socket.end('HTTP/1.1 200 Connection Established\r\n\r\n'));
    const proxied = await raw(server, 'CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n', /$^/);
    expect(proxied).toBe('HTTP/1.1 200 Connection Established\r\n\r\n');
  });
});

describe('serve: the synchronous fast path', () => {
  /** Whether each request's response was already finished when `serve()`'s listener returned. */
  function watchWrittenAtOnce(server: Server): boolean[] {
    const atOnce: boolean[] = [];
    // Runs right after serve()'s own 'request' listener, in the same tick.
    server.node.on('request', (_req, res) => atOnce.push(res.writableEnded));
    return atOnce;
  }

  it('writes a lazy response returned synchronously before the listener returns, the same as the general path', async () => {
    let seen: Request | undefined;
    const handler = (request: Request) => {
      seen = request;
      const init = { status: 201, headers: { 'x-path': new URL(request.url).pathname } };
      return request.url.endsWith('/async')
        ? Promise.resolve(new Response('héllo', init))
        : new Response('héllo', init);
    };
    const server = await start(handler);
    const atOnce = watchWrittenAtOnce(server);
    const answers = [];
    for (const path of ['/sync', '/async']) {
      const response = await fetch(`${server.url}${path}`);
      answers.push({
        status: response.status,
        type: response.headers.get('content-type'),
        length: response.headers.get('content-length'),
        path: response.headers.get('x-path'),
        body: await response.text(),
      });
    }
    const head = await fetch(`${server.url}/sync`, { method: 'HEAD' });
    expect(atOnce).toEqual([true, false, true]);
    const expected = { status: 201, type: 'text/plain;charset=UTF-8', length: '6', body: 'héllo' };
    expect(answers).toEqual([
      { ...expected, path: '/sync' },
      { ...expected, path: '/async' },
    ]);
    expect([head.status, head.headers.get('content-length'), await head.text()]).toEqual([201, '6', '']);
    await until(() => server.inFlight === 0);
    // The signal of a request answered in full is never aborted, even when first read afterwards.
    expect(seen?.signal.aborted).toBe(false);
  });

  it('forgets a response written in full inside the request event; tracks a queued or streaming one until it closes', async () => {
    let aborted: unknown;
    const server = await start((request) => {
      const path = new URL(request.url).pathname;
      if (path !== '/stream') return new Response(`answer ${path}`);
      // Returned synchronously, but its body never ends: tracked until the client leaves.
      request.signal.addEventListener('abort', () => {
        aborted = request.signal.reason;
      });
      return new Response(
        new ReadableStream({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('first chunk'));
          },
        }),
      );
    });
    // Runs right after serve()'s own 'request' listener, in the same tick.
    const afterEvent: [string, number][] = [];
    server.node.on('request', (req) => afterEvent.push([req.url ?? '', server.inFlight]));

    expect(await (await fetch(`${server.url}/one`)).text()).toBe('answer /one');
    // Three pipelined requests in one packet: the 2nd and 3rd responses wait behind the 1st, so
    // they are not written in full when their request event ends.
    const pipelined = netConnect(server.port, '127.0.0.1');
    let received = '';
    const allThree = new Promise<void>((resolve) => {
      pipelined.on('data', (chunk) => {
        received += chunk;
        if (received.split('answer /p').length === 4) resolve();
      });
    });
    const get = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${server.port}\r\n\r\n`;
    pipelined.write(get('/p1') + get('/p2') + get('/p3'));
    await allThree;
    pipelined.destroy();
    await until(() => server.inFlight === 0);
    expect(afterEvent.slice(0, 2)).toEqual([
      ['/one', 0],
      ['/p1', 0],
    ]);
    expect(afterEvent[2]![1]).toBeGreaterThanOrEqual(1);
    expect(afterEvent[3]![1]).toBeGreaterThanOrEqual(2);

    const streaming = netConnect(server.port, '127.0.0.1');
    const firstChunk = new Promise<void>((resolve) => {
      streaming.on('data', (chunk) => {
        if (String(chunk).includes('first chunk')) resolve();
      });
    });
    streaming.write(get('/stream'));
    await firstChunk;
    expect(server.inFlight).toBe(1);
    streaming.destroy();
    await until(() => aborted !== undefined);
    expect((aborted as AsyncError).code).toBe('ERR_ABORTED');
    await until(() => server.inFlight === 0);
  });

  it('answers any synchronous result at once (a throw, a server closing); a stream still streams', async () => {
    let server!: Server;
    const logged: unknown[] = [];
    const logger = { debug() {}, info() {}, warn() {}, error: (fields: unknown) => logged.push(fields) };
    server = await start(
      (request) => {
        const path = new URL(request.url).pathname;
        if (path === '/stream') return new Response(new Blob(['from a blob']));
        if (path === '/throw') throw new Error('boom');
        if (path === '/close') void server.close();
        return new Response(path);
      },
      { logger },
    );
    const atOnce = watchWrittenAtOnce(server);
    const agent = new Agent({ keepAlive: true });
    const get = (path: string) =>
      new Promise<{ status: number; connection: unknown; body: string }>((resolve, reject) => {
        httpRequest(`${server.url}${path}`, { agent }, (res) => {
          let body = '';
          res.on('data', (chunk) => {
            body += chunk;
          });
          res.on('end', () => resolve({ status: res.statusCode ?? 0, connection: res.headers.connection, body }));
        })
          .on('error', reject)
          .end();
      });
    expect(await get('/stream')).toEqual({ status: 200, connection: 'keep-alive', body: 'from a blob' });
    expect(await get('/throw')).toMatchObject({ status: 500, connection: 'keep-alive', body: 'Internal Server Error' });
    // The server started closing inside the handler: the response says so.
    expect(await get('/close')).toEqual({ status: 200, connection: 'close', body: '/close' });
    // A stream is read asynchronously; the 500 and the lazy response went out inside the listener.
    expect(atOnce).toEqual([false, true, true]);
    expect(logged).toHaveLength(1);
    agent.destroy();
  });

  it('answers an undici Response returned synchronously, and adopts any thenable', async () => {
    const server = await start(
      (request) => {
        const path = new URL(request.url).pathname;
        if (path === '/undici') return new OriginalResponse('plain undici', { status: 202 });
        if (path === '/thenable') {
          // Not a Promise: only a `then`, as from another promise library.
          // biome-ignore lint/suspicious/noThenProperty: a thenable is what this case tests.
          return { then: (resolve: (value: Response) => void) => resolve(text('from a thenable')) } as never;
        }
        if (path === '/bad-promise') {
          const promise = Promise.resolve(text('never'));
          Object.defineProperty(promise, 'constructor', {
            get() {
              throw new Error('constructor getter');
            },
          });
          return promise;
        }
        return Promise.resolve(text('async'));
      },
      { overrideGlobalResponse: false },
    );
    const read = async (path: string) => {
      const response = await fetch(`${server.url}${path}`);
      return [response.status, await response.text()];
    };
    expect(await read('/undici')).toEqual([202, 'plain undici']);
    expect(await read('/thenable')).toEqual([200, 'from a thenable']);
    expect(await read('/bad-promise')).toEqual([500, 'Internal Server Error']);
    expect(await read('/')).toEqual([200, 'async']);
    await until(() => server.inFlight === 0);
  });
});
