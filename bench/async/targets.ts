/**
 * Server processes for the async benchmark, one per run, so the load generator (autocannon
 * or 1,000 WebSocket clients in the parent) does not share the server's event loop.
 * Usage: node --import tsx targets.ts <kind>   (prints `PORT <n>`, stops on SIGTERM)
 * Env: REDIS_URL for the Redis variants.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { consumer, memoryLayer, serve, text } from '@adv/async';
import { redisLayer } from '@adv/async/redis';
import { serve as honoServe } from '@hono/node-server';
import { createAdapter } from '@socket.io/redis-adapter';
import { Hono } from 'hono';
import { Redis } from 'ioredis';
import { Server as SocketIOServer } from 'socket.io';

const kind = process.argv[2];
const redisUrl = process.env.REDIS_URL ?? '';
let stop: () => Promise<unknown> = async () => {};

function ready(port: number): void {
  process.stdout.write(`PORT ${port}\n`);
}

function listen(server: ReturnType<typeof createServer>): Promise<number> {
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)));
}

if (kind === 'serve' || kind === 'serve-text' || kind === 'serve-no-override') {
  // `serve` and `serve-no-override` run the same handler; the second keeps undici's global Response.
  const server = await serve(kind === 'serve-text' ? () => text('hello world') : () => new Response('hello world'), {
    port: 0,
    overrideGlobalResponse: kind !== 'serve-no-override',
  });
  stop = () => server.close();
  ready(server.port);
} else if (kind === 'raw') {
  const server = createServer((_req, res) => {
    // setHeader + end lets Node send a Content-Length (writeHead first would switch to chunked).
    res.setHeader('content-type', 'text/plain;charset=UTF-8');
    res.end('hello world');
  });
  stop = () => new Promise((resolve) => server.close(resolve));
  ready(await listen(server));
} else if (kind === 'raw-response') {
  // Raw node:http that also builds the handler's `new Response()` (and reads its header), to
  // tell undici's cost from serve()'s.
  const server = createServer((_req, res) => {
    const response = new Response('hello world');
    res.setHeader('content-type', response.headers.get('content-type') ?? 'text/plain');
    res.end('hello world');
  });
  stop = () => new Promise((resolve) => server.close(resolve));
  ready(await listen(server));
} else if (kind === 'hono') {
  const app = new Hono().get('/', (c) => c.text('hello world'));
  const server = honoServe({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }) as ReturnType<typeof createServer>;
  await new Promise((resolve) => server.once('listening', resolve));
  stop = () => new Promise((resolve) => server.close(resolve));
  ready((server.address() as AddressInfo).port);
} else if (kind === 'ws-memory' || kind === 'ws-redis') {
  const layer = kind === 'ws-memory' ? memoryLayer() : redisLayer({ url: redisUrl, prefix: `bench:${process.pid}` });
  const server = await serve(
    async (request) => {
      if (request.method === 'POST') {
        await layer.groupSend('room', await request.json());
        return new Response('sent');
      }
      return new Response(String((await layer.groupMembers('room')).length));
    },
    {
      port: 0,
      websocket: { '/ws': consumer({ layer, heartbeatInterval: 0, connect: (ctx) => ctx.groupAdd('room') }) },
    },
  );
  stop = async () => {
    await server.close();
    await layer.close();
  };
  ready(server.port);
} else if (kind === 'socketio' || kind === 'socketio-redis') {
  let io: SocketIOServer | undefined;
  const http = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'POST') {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        io?.to('room').emit('message', JSON.parse(body));
        res.end('sent');
      });
      return;
    }
    res.end(String(io?.of('/').adapter.rooms.get('room')?.size ?? 0));
  });
  io = new SocketIOServer(http, { transports: ['websocket'], serveClient: false });
  const clients: Redis[] = [];
  if (kind === 'socketio-redis') {
    const pub = new Redis(redisUrl);
    const sub = pub.duplicate();
    clients.push(pub, sub);
    io.adapter(createAdapter(pub, sub, { key: `bench-sio:${process.pid}` }));
  }
  io.on('connection', (socket) => {
    void socket.join('room');
  });
  stop = async () => {
    await new Promise((resolve) => io?.close(resolve));
    await Promise.all(clients.map((client) => client.quit()));
  };
  ready(await listen(http));
} else {
  console.error(`unknown target ${kind}`);
  process.exit(2);
}

process.on('SIGTERM', () => {
  void stop().finally(() => process.exit(0));
});
