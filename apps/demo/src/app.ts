import type { Server } from 'node:http';
import { join } from 'node:path';
import {
  collectStatic,
  createHealth,
  createMetrics,
  csrfMiddleware,
  type DeployContext,
  type Health,
  type Metrics,
  requestLogger,
  securityMiddleware,
  serveStatic,
  staticUrl,
} from '@adv/deploy';
import { compose, type Handler, type Middleware } from '@adv/types';
import type { Database } from 'better-sqlite3';
import { type Logger as PinoLogger, pino } from 'pino';
import { Board } from './board.js';
import type { DemoConfig } from './config.js';
import { openDatabase } from './db/database.js';
import { pendingMigrations } from './db/migrations.js';
import { GlueMemoryCache } from './glue/memory-cache.js';
import { GlueRealtime } from './glue/realtime.js';
import { errorPages } from './http/errors.js';
import { current, localeMiddleware, setDefaultTimeZone } from './i18n.js';
import { fileMailer } from './jobs/mail.js';
import { createTasks, type DemoTasks, type ExportStatus, exportGroup, exportStatusKey } from './jobs/tasks.js';
import { fromRoot } from './paths.js';
import { createRoutes } from './routes.js';
import { createEngine } from './views/render.js';
import { connectReceivers, TAGS } from './wiring.js';

/** A running demo: its Fetch handler plus what main.ts and tests need to drive and stop it. */
export interface Demo {
  handler: Handler;
  board: Board;
  db: Database;
  cache: GlueMemoryCache;
  tasks: DemoTasks;
  realtime: GlueRealtime;
  health: Health;
  metrics: Metrics;
  logger: PinoLogger;
  /** What `checkDeploy` needs to know about this app beyond its settings. */
  deployContext(): DeployContext;
  /** Attaches WebSockets to a node:http server (main.ts and e2e tests call it). */
  attach(server: Server): void;
  /** Tells the tasks the public base URL (for links in e-mails). */
  setBaseUrl(url: string): void;
  close(): Promise<void>;
}

export interface DemoOptions {
  /** pino logger for request and app logs. @defaultValue `pino({ level: config.logLevel })` */
  logger?: PinoLogger;
  /** Database file; `:memory:` for throwaway. @defaultValue `<dataDir>/board.sqlite3` */
  databaseFile?: string;
}

/** Builds the demo app from its configuration. */
export async function createDemo(config: DemoConfig, options: DemoOptions = {}): Promise<Demo> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const { settings } = config;
  setDefaultTimeZone(config.timeZone);
  const db = openDatabase(options.databaseFile ?? join(config.dataDir, 'board.sqlite3'));
  const board = new Board(db);
  if (config.seed) board.seed();

  const cache = new GlueMemoryCache();
  let baseUrl = `http://${config.host}:${config.port}`;
  const realtime = new GlueRealtime(
    {
      groupsFor(path) {
        const match = /^\/ws\/articles\/(\d+)$/.exec(path);
        return match ? [`article-${match[1]}`] : null;
      },
      async onMessage(message, join, send) {
        const { type, exportId } = (message ?? {}) as { type?: string; exportId?: string };
        if (type !== 'watch-export' || typeof exportId !== 'string' || !/^[0-9a-f-]{36}$/.test(exportId)) return;
        join(exportGroup(exportId));
        // The export may have progressed (or finished) before the browser subscribed.
        const status = await cache.get<ExportStatus>(exportStatusKey(exportId));
        if (status) send({ type: 'export', exportId, ...status });
      },
    },
    logger,
  );
  const tasks = createTasks({
    board,
    cache,
    groups: realtime,
    logger,
    mailer: fileMailer(join(config.dataDir, 'outbox')),
    exportDir: join(config.dataDir, 'exports'),
    chunkDelayMs: config.exportChunkDelayMs,
    baseUrl: () => baseUrl,
  });

  // Signals tie the pieces together: saving invalidates caches, notifies and broadcasts, after commit.
  const disconnectReceivers = connectReceivers({ board, cache, tasks, groups: realtime, logger });

  // collectstatic at start: hashed names + manifest, served with immutable caching.
  const { manifest } = await collectStatic(fromRoot('static'), config.staticRoot);
  const engine = createEngine({
    staticUrl: (name) => staticUrl(manifest, name, settings.STATIC_URL),
    cache: !config.debug,
  });
  const routes = createRoutes({
    board,
    engine,
    tasks,
    cache,
    exportDir: join(config.dataDir, 'exports'),
    popularFragment: (render) => {
      const { locale, timeZone } = current();
      return cache.getOrSet(`fragment:popular:${locale}:${timeZone}`, render, { ttl: 600, tags: [TAGS.popular] });
    },
  });

  // PHASE-1 GLUE until @adv/cache's cachePage lands: caches GET / per language and time zone.
  const pageCache: Middleware = async function pageCache(request, next) {
    const url = new URL(request.url);
    if (config.pageCacheSeconds === 0 || request.method !== 'GET' || url.pathname !== '/') return next(request);
    const { locale, timeZone } = current();
    const key = `page:${locale}:${timeZone}:${url.pathname}${url.search}`;
    const hit = await cache.get<{ status: number; headers: [string, string][]; body: string }>(key);
    if (hit) return new Response(hit.body, { status: hit.status, headers: [...hit.headers, ['x-cache', 'hit']] });
    const response = await next(request);
    if (response.status !== 200 || response.headers.has('set-cookie')) return response;
    const body = await response.text();
    const headers = [...response.headers];
    await cache.set(key, { status: 200, headers, body }, { ttl: config.pageCacheSeconds, tags: [TAGS.articleList] });
    return new Response(body, { status: 200, headers: [...headers, ['x-cache', 'miss']] });
  };

  const health = createHealth({
    checks: [
      {
        name: 'database',
        async check() {
          db.prepare('SELECT 1').get();
          const pending = pendingMigrations(db);
          if (pending.length > 0) throw new Error(`migrations not applied: ${pending.join(', ')}`);
        },
      },
    ],
  });
  const metrics = createMetrics();

  // Outermost first, like Django's MIDDLEWARE. Probes and metrics answer before host checks
  // (load balancers probe by IP); CSRF guards every unsafe request the routes see.
  const middleware: Middleware[] = [
    requestLogger({ logger }),
    metrics.middleware,
    health.middleware,
    securityMiddleware(settings),
    serveStatic({ root: config.staticRoot, prefix: settings.STATIC_URL }),
    csrfMiddleware(settings),
    errorPages(logger, config.debug),
    localeMiddleware,
    pageCache,
  ];
  const handler = compose(...middleware)(routes);

  return {
    handler,
    board,
    db,
    cache,
    tasks,
    realtime,
    health,
    metrics,
    logger,
    deployContext: () => ({
      processes: config.workers,
      backends: { cache, channels: realtime },
      middleware,
      health,
      static: { root: config.staticRoot, sourceDir: fromRoot('static') },
      pendingMigrations: () => pendingMigrations(db).map(String),
    }),
    attach: (server) => realtime.attach(server),
    setBaseUrl(url) {
      baseUrl = url.replace(/\/$/, '');
    },
    async close() {
      health.beginShutdown();
      disconnectReceivers();
      await realtime.close();
      await Promise.all([tasks.notifyComment.drain(), tasks.exportCsv.drain(), tasks.digest.drain()]);
      db.close();
    },
  };
}
