import type { IncomingMessage, ServerResponse } from 'node:http';
import { type Server, serve } from '@adv/async';
import { collectStatic } from '@adv/deploy';
import { createDemo, type Demo } from './app.js';
import { Board } from './board.js';
import type { DemoConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { fromRoot } from './paths.js';

/** A serving process: the app, its server and a graceful stop. */
export interface Running {
  demo: Demo;
  server: Server;
  /** /readyz fails first (the load balancer drains us), then requests finish, WebSockets close with 1001, tasks drain. */
  stop(): Promise<void>;
}

/**
 * One-time work before several processes start (the cluster primary runs it): migrate and
 * seed the database, collect static files. Each worker then starts without racing the others.
 */
export async function prepare(config: DemoConfig): Promise<void> {
  const db = await openDatabase(config.database);
  try {
    if (config.seed) await new Board(db).seed();
  } finally {
    await db.close();
  }
  await collectStatic(fromRoot('static'), config.staticRoot);
}

/** Builds the app and serves it (HTTP and WebSockets on one port). */
export async function startServer(config: DemoConfig, options: { prepared?: boolean } = {}): Promise<Running> {
  const demo = await createDemo(
    options.prepared ? { ...config, seed: false } : config,
    options.prepared ? { collectStatic: false } : {},
  );
  const server = await serve(demo.handler, {
    port: config.port,
    host: config.host,
    websocket: demo.websocket,
    logger: demo.logger,
    // Half of the shutdown budget for in-flight requests; the rest for closing the dependencies.
    shutdownTimeout: Math.floor(config.shutdownTimeoutMs / 2),
  });
  demo.setBaseUrl(server.url);
  demo.countWebSockets(() => server.webSockets);
  answerUnrepresentableMethods(server, demo);
  let stopping: Promise<void> | undefined;
  return {
    demo,
    server,
    stop() {
      stopping ??= (async () => {
        demo.health.beginShutdown();
        await server.close();
        await demo.close();
      })();
      return stopping;
    },
  };
}

/** Methods node:http parses but a Fetch `Request` refuses to carry (undici throws on them). */
const UNREPRESENTABLE = new Set(['TRACE', 'TRACK']);

/**
 * Answers TRACE / TRACK with the app's 405 (Allow + security headers) before `serve` tries to
 * turn them into a Fetch `Request` (which throws, and would answer a bare 500).
 */
function answerUnrepresentableMethods(server: Server, demo: Demo): void {
  const node = server.node;
  const listeners = node.listeners('request') as ((req: IncomingMessage, res: ServerResponse) => void)[];
  node.removeAllListeners('request');
  node.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (!UNREPRESENTABLE.has(req.method ?? '')) {
      for (const listener of listeners) listener.call(node, req, res);
      return;
    }
    req.resume();
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value);
      else if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    }
    const url = `http://${req.headers.host ?? `${server.host}:${server.port}`}${req.url ?? '/'}`;
    let request: Request;
    try {
      request = new Request(url, { headers });
    } catch {
      res.writeHead(400, { 'content-type': 'text/plain; charset=utf-8' }).end('Bad Request');
      return;
    }
    demo.methodNotAllowed(request).then(
      async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers));
        res.end(Buffer.from(await response.arrayBuffer()));
      },
      () => res.writeHead(405, { allow: 'GET, HEAD, POST' }).end(),
    );
  });
}
