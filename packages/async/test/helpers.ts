import { once } from 'node:events';
import { createConnection } from 'node:net';
import { afterEach } from 'vitest';
import { WebSocket } from 'ws';
import { type ChannelLayer, type Server, serve } from '../src/index.js';

/** A test WebSocket client that queues what it receives. */
export interface TestClient {
  ws: WebSocket;
  /** Next text message (waits). */
  next(): Promise<string>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export async function connect(
  url: string,
  options: { headers?: Record<string, string>; origin?: string; protocols?: string[] } = {},
): Promise<TestClient> {
  const ws = new WebSocket(url, options.protocols ?? [], { headers: options.headers, origin: options.origin });
  const queue: string[] = [];
  const waiters: ((text: string) => void)[] = [];
  ws.on('message', (data) => {
    const text = data.toString();
    const waiter = waiters.shift();
    if (waiter) waiter(text);
    else queue.push(text);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`status ${res.statusCode}`), { status: res.statusCode })),
    );
    ws.once('error', reject);
  });
  return {
    ws,
    next: () => {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve) => waiters.push(resolve));
    },
    closed,
    async close() {
      if (ws.readyState === ws.CLOSED) return;
      ws.close();
      await once(ws, 'close');
    },
  };
}

/** Tries to connect and returns the HTTP status of the refused upgrade. */
export async function refusedStatus(
  url: string,
  options: { headers?: Record<string, string>; origin?: string } = {},
): Promise<number> {
  try {
    const client = await connect(url, options);
    await client.close();
    return 101;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true (no timing assertions: only a generous ceiling). */
export async function until(check: () => boolean | Promise<boolean>, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}

/** An HTTP answer read off a raw socket: status, headers (lower-case names, every value) and body. */
export interface RawAnswer {
  status: number;
  /** The status line and header lines, as sent. */
  head: string;
  headers: Map<string, string[]>;
  body: string;
}

/**
 * Writes `request` (a whole raw HTTP request) to `port` on loopback over `node:net` and reads
 * the answer: up to the end of the head for a `101`, up to `Content-Length` bytes of body when
 * the answer has one, else until the server closes the socket (we close it once read).
 */
export async function rawRequest(port: number, request: string): Promise<RawAnswer> {
  const socket = createConnection({ host: '127.0.0.1', port });
  await once(socket, 'connect');
  let received = Buffer.alloc(0);
  const answer = new Promise<Buffer>((resolve, reject) => {
    socket.on('data', (chunk: Buffer) => {
      received = Buffer.concat([received, chunk]);
      const end = received.indexOf('\r\n\r\n');
      if (end < 0) return;
      const length = /\r\ncontent-length: *(\d+)\r\n/i.exec(received.subarray(0, end + 2).toString('latin1'));
      const complete = length !== null && received.length - end - 4 >= Number(length[1]);
      if (received.subarray(0, 13).toString() === 'HTTP/1.1 101 ' || complete) {
        socket.destroy();
        resolve(received);
      }
    });
    socket.once('close', () => resolve(received));
    socket.once('error', reject);
  });
  socket.write(request);
  const text = (await answer).toString('latin1');
  const end = text.indexOf('\r\n\r\n');
  if (end < 0) throw new Error(`no HTTP answer: ${JSON.stringify(text)}`);
  const head = text.slice(0, end);
  const [statusLine, ...lines] = head.split('\r\n');
  const headers = new Map<string, string[]>();
  for (const line of lines) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    headers.set(name, [...(headers.get(name) ?? []), line.slice(colon + 1).trim()]);
  }
  return { status: Number(statusLine!.split(' ')[1]), head, headers, body: text.slice(end + 4) };
}

/**
 * The shared fixture of the WebSocket test files: `serve()` through it and the server, the
 * clients opened with `client()` and the layers passed to `layer()` are all closed after each
 * test (clients first, then the server, then the layers).
 */
export function webSocketSuite() {
  let server: Server | undefined;
  const clients: TestClient[] = [];
  const layers: ChannelLayer[] = [];
  afterEach(async () => {
    for (const client of clients.splice(0)) client.ws.terminate();
    await server?.close();
    server = undefined;
    await Promise.all(layers.splice(0).map((layer) => layer.close()));
  });
  const url = (path: string) => {
    if (server === undefined) throw new Error('start the server with suite.serve() first');
    return `${server.url.replace('http', 'ws')}${path}`;
  };
  return {
    /** `serve()`, remembered for cleanup and for `url()` / `client()`. */
    async serve(...args: Parameters<typeof serve>): Promise<Server> {
      server = await serve(...args);
      return server;
    },
    /** The `ws://` URL of `path` on the server. */
    url,
    /** A client connected to `path`, terminated after the test. */
    async client(path: string, options?: Parameters<typeof connect>[1]): Promise<TestClient> {
      const client = await connect(url(path), options);
      clients.push(client);
      return client;
    },
    /** Closes `layer` after the test; returns it. */
    layer<L extends ChannelLayer>(layer: L): L {
      layers.push(layer);
      return layer;
    },
  };
}

/** Stops reading a client's socket, so that the server's sends queue up (backpressure). */
export function pause(client: TestClient): void {
  (client.ws as unknown as { _socket: { pause(): void } })._socket.pause();
}

/** Reads a paused client's socket again. */
export function resume(client: TestClient): void {
  (client.ws as unknown as { _socket: { resume(): void } })._socket.resume();
}
