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
  });
  demo.setBaseUrl(server.url);
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
