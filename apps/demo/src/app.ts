import { join } from 'node:path';
import type { AnyWebSocketRoute, ChannelLayer } from '@adv/async';
import { type Cache, createCache, type SetOptions } from '@adv/cache';
import {
  collectStatic,
  csrfMiddleware,
  type DeployContext,
  type Health,
  loadManifest,
  securityMiddleware,
  serveStatic,
  staticUrl,
} from '@adv/deploy';
import { requestLogger } from '@adv/deploy/logging';
import type { Storage } from '@adv/deploy/media';
import { createMetrics, type Metrics } from '@adv/deploy/metrics';
import { compose, type Handler, type Middleware } from '@adv/types';
import { type Logger as PinoLogger, pino } from 'pino';
import { type DemoAdminParts, demoAdmin } from './admin/index.js';
import { Board } from './board.js';
import type { DemoConfig } from './config.js';
import { type DatabaseLocation, openDatabase } from './db/database.js';
import { pendingMigrations } from './db/migrations.js';
import type { SqlDatabase } from './db/sql.js';
import { createDemoHealth } from './health.js';
import { errorPages } from './http/errors.js';
import { articleListCache, methodGuards } from './http/stack.js';
import { localeMiddleware, setDefaultTimeZone } from './i18n.js';
import { mailerFor } from './jobs/mail.js';
import { createTasks, type DemoTasks } from './jobs/tasks.js';
import { createMedia, type DemoMedia } from './media.js';
import { fromRoot } from './paths.js';
import { dependencyReadiness } from './readiness.js';
import { ARTICLE_SOCKET_PATH, articleSocket, createLayer } from './realtime.js';
import { createRoutes } from './routes.js';
import { createEngine } from './views/render.js';
import { connectReceivers, TAGS } from './wiring.js';

/** Readiness checks the app serves without (degraded): cache, task queue, channel layer. */
const DEGRADABLE = ['cache', 'tasks', 'channels'] as const;

/** A running demo: its Fetch handler plus what main.ts and tests need to drive and stop it. */
export interface Demo {
  /** `middleware` around `routes`: what the server serves. */
  handler: Handler;
  /** The middleware stack, outermost first (Django's MIDDLEWARE order). */
  middleware: readonly Middleware[];
  /** The routes alone, without any middleware. */
  routes: Handler;
  config: DemoConfig;
  board: Board;
  db: SqlDatabase;
  cache: Cache;
  tasks: DemoTasks;
  /** Uploaded images: storage (disk or S3), upload limits, serving. */
  media: DemoMedia;
  /** The channel layer (groups of open pages). */
  layer: ChannelLayer;
  /** WebSocket consumers by path, for `serve({ websocket })`. */
  websocket: Record<string, AnyWebSocketRoute>;
  health: Health;
  metrics: Metrics;
  logger: PinoLogger;
  /** What `checkDeploy` needs to know about this app beyond its settings. */
  deployContext(): DeployContext;
  /**
   * The 405 (with `Allow` and the security headers) for a request whose method a Fetch
   * `Request` cannot carry (TRACE, TRACK), so the server answers it without the handler.
   * `request` carries its URL and headers (as a GET).
   */
  methodNotAllowed(request: Request): Promise<Response>;
  /** Tells the tasks the public base URL (for links in e-mails). */
  setBaseUrl(url: string): void;
  /** Tells the admin area how to count this process's open WebSockets (`() => server.webSockets`). */
  countWebSockets(count: () => number): void;
  close(): Promise<void>;
}

export interface DemoOptions {
  /** pino logger for request and app logs. @defaultValue `pino({ level: config.logLevel })` */
  logger?: PinoLogger;
  /** Collect static files at start; `false` reads the manifest an earlier collect wrote (cluster workers). @defaultValue true */
  collectStatic?: boolean;
  /**
   * With `collectStatic: false`, whether a missing manifest fails the start (cluster workers).
   * `false` serves unhashed names instead, so `npm run check` reports `adv.E006` rather than crashing.
   * @defaultValue true
   */
  requireManifest?: boolean;
  /** Run the task queue in this process. @defaultValue true */
  processTasks?: boolean;
  /** The database; `{ file: ':memory:' }` for a throwaway one. @defaultValue `config.database` (DATABASE_URL, else `<dataDir>/board.sqlite3`) */
  database?: DatabaseLocation;
  /** Where uploaded images are stored. @defaultValue `storageFromUrl(MEDIA_STORAGE_URL, { root: MEDIA_ROOT })` */
  mediaStorage?: Storage;
}

/** Opens the board's database (migrated), seeded on first start when SEED is on. */
async function openBoard(config: DemoConfig, location: DatabaseLocation): Promise<Board> {
  const board = new Board(await openDatabase(location));
  if (config.seed) await board.seed();
  return board;
}

/** What the app's tasks need beside the configuration. */
interface TaskParts {
  board: Board;
  cache: Cache;
  layer: ChannelLayer;
  logger: PinoLogger;
  media: DemoMedia;
  location: DatabaseLocation;
  ownsBackups: boolean;
  baseUrl: () => string;
}

/**
 * The demo's tasks, ready to enqueue. Every web process also works the queue (in-process backend:
 * the only way; BullMQ: each process takes its share); a dedicated worker is `adv-tasks worker`
 * on the same tasks.
 */
async function startTasks(config: DemoConfig, parts: TaskParts, process: boolean): Promise<DemoTasks> {
  const tasks = createTasks({
    board: parts.board,
    cache: parts.cache,
    groups: parts.layer,
    logger: parts.logger,
    mailer: mailerFor(config.email.url, join(config.dataDir, 'outbox'), config.email.from),
    exportDir: join(config.dataDir, 'exports'),
    outboxDir: join(config.dataDir, 'outbox'),
    chunkDelayMs: config.exportChunkDelayMs,
    baseUrl: parts.baseUrl,
    redisUrl: config.redisUrl,
    database: parts.location,
    digest: { cron: config.digestCron, timeZone: config.timeZone, to: config.digestTo },
    backup: parts.ownsBackups ? config.backup : undefined,
    maintenance: config.maintenance,
    media: { storage: parts.media.storage, maxPixels: config.media.maxPixels, backupRoot: parts.media.diskRoot },
  });
  await tasks.ready();
  if (process) await tasks.app.process({ concurrency: 4 });
  return tasks;
}

/** collectstatic at start (hashed names + manifest, served with immutable caching), or the manifest an earlier one wrote. */
async function staticManifest(config: DemoConfig, options: DemoOptions) {
  if (options.collectStatic !== false) return (await collectStatic(fromRoot('static'), config.staticRoot)).manifest;
  return loadManifest(config.staticRoot).catch((error: unknown) => {
    if (options.requireManifest ?? true) throw error;
    return undefined;
  });
}

/** The template engine: hashed static URLs, and {% cache %} fragments in the app's cache. */
function demoEngine(config: DemoConfig, manifest: Awaited<ReturnType<typeof staticManifest>>, cache: Cache) {
  return createEngine({
    staticUrl: (name) => staticUrl(manifest, name, config.settings.STATIC_URL),
    cache: !config.debug,
    // {% cache %} fragments carry the `popular` tag, so a new comment drops every variant at once.
    fragments: {
      getOrSet: <T>(key: string, render: () => T | Promise<T>, options?: SetOptions) =>
        cache.getOrSet(key, render, { ...options, tags: [TAGS.popular] }),
    },
  });
}

/** What the middleware stack is made of, beside the configuration. */
interface StackParts {
  logger: PinoLogger;
  metrics: Metrics;
  health: Health;
  security: Middleware;
  allowedMethods: Middleware;
  media: DemoMedia;
  cache: Cache;
  /** The /admin/ area (src/admin), before CSRF: it runs the same origin check itself, to audit what it refuses. */
  admin: Middleware;
}

/**
 * The middleware, outermost first, like Django's MIDDLEWARE. Probes and metrics answer before
 * host checks (load balancers probe by IP); CSRF guards every unsafe request the routes see.
 */
function middlewareStack(config: DemoConfig, parts: StackParts): Middleware[] {
  const { settings } = config;
  return [
    requestLogger({ logger: parts.logger }),
    parts.metrics.middleware,
    // The database is required (503 when down); the rest degrade: cached pages still render.
    dependencyReadiness({ health: parts.health, degradable: DEGRADABLE, registry: parts.metrics.registry }),
    parts.health.middleware,
    parts.security,
    parts.allowedMethods,
    serveStatic({ root: config.staticRoot, prefix: settings.STATIC_URL }),
    // Uploaded images under MEDIA_URL (nginx serves them itself in front of one machine's disk).
    parts.media.middleware,
    parts.admin,
    csrfMiddleware(settings),
    errorPages(parts.logger, config.debug),
    localeMiddleware,
    articleListCache(config, parts.cache),
  ];
}

/** What `checkDeploy` needs to know about the running app beyond its settings. */
function deployContextOf(
  config: DemoConfig,
  parts: {
    cache: Cache;
    tasks: DemoTasks;
    layer: ChannelLayer;
    middleware: readonly Middleware[];
    health: Health;
    db: SqlDatabase;
    /** The last backup's time, when the app backs up its database. */
    lastBackupAt: (() => Date | null) | undefined;
  },
): DeployContext {
  const { settings } = config;
  return {
    processes: config.workers,
    ...(settings.BEHIND_PROXY === undefined ? {} : { behindProxy: settings.BEHIND_PROXY }),
    backends: { cache: parts.cache, tasks: parts.tasks.app.backend, channels: parts.layer },
    middleware: parts.middleware,
    health: parts.health,
    static: { root: config.staticRoot, sourceDir: fromRoot('static') },
    pendingMigrations: async () => (await pendingMigrations(parts.db)).map(String),
    ...(parts.lastBackupAt
      ? { backup: { lastBackupAt: parts.lastBackupAt(), maxAgeSeconds: config.backup.maxAgeHours * 3600 } }
      : {}),
  };
}

/** Closes the backends, the channel layer first and the cache last (a closing task may still write to it). */
async function closeBackends(parts: { layer: ChannelLayer; tasks: DemoTasks; db: SqlDatabase; cache: Cache }) {
  await parts.layer.close();
  await parts.tasks.closeOutbox();
  await parts.tasks.app.close({ timeout: 5000 });
  await parts.db.close();
  await parts.cache.close();
}

/** The `/admin/` area, told later (once the server is up) how to count open WebSockets. */
function mountAdmin(parts: Omit<DemoAdminParts, 'degradable' | 'webSockets'>) {
  let openWebSockets: (() => number) | undefined;
  const admin = demoAdmin({ ...parts, degradable: DEGRADABLE, webSockets: () => openWebSockets?.() });
  const countWebSockets = (count: () => number) => {
    openWebSockets = count;
  };
  return { admin, countWebSockets };
}

/** Builds the demo app from its configuration. */
export async function createDemo(config: DemoConfig, options: DemoOptions = {}): Promise<Demo> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const { settings } = config;
  setDefaultTimeZone(config.timeZone);
  const location = options.database ?? config.database;
  const board = await openBoard(config, location);
  const { db } = board;
  // The app backs up only the embedded SQLite file; a PostgreSQL server has its own backups.
  // From the settings, not `db`: `check --deploy` describes the app on a scratch database.
  const ownsBackups = config.database.url === undefined;

  // One cache for pages, fragments, counters and export status: memory by default, Redis with REDIS_URL.
  const cache = createCache({ url: config.redisUrl ?? 'memory://', keyPrefix: 'demo', logger });
  let baseUrl = `http://${config.host}:${config.port}`;
  // The channel layer carries comments and export progress to open pages (Redis with REDIS_URL).
  const layer = createLayer(config.redisUrl);
  // Uploaded images: on disk (MEDIA_ROOT) by default, in S3 with MEDIA_STORAGE_URL.
  const media = createMedia(config, options.mediaStorage);
  const taskParts = { board, cache, layer, logger, media, location, ownsBackups, baseUrl: () => baseUrl };
  const tasks = await startTasks(config, taskParts, options.processTasks ?? true);

  // Signals tie the pieces together: saving invalidates caches, notifies and broadcasts, after commit.
  const timeoutMs = config.dependencyTimeoutMs;
  const disconnectReceivers = connectReceivers({ board, cache, tasks, groups: layer, logger, timeoutMs });

  const engine = demoEngine(config, await staticManifest(config, options), cache);
  const exportDir = join(config.dataDir, 'exports');
  const routes = createRoutes({
    board,
    engine,
    tasks,
    cache,
    media,
    exportDir,
    logger,
    dependencyTimeoutMs: timeoutMs,
  });

  const { health, lastBackupAt } = createDemoHealth({ config, db, cache, tasks, layer, ownsBackups });
  const metrics = createMetrics();
  const security = securityMiddleware(settings);
  const { allowedMethods, notAllowed } = methodGuards(routes);

  const { admin, countWebSockets } = mountAdmin({ config, db, cache, tasks, layer, health, logger, media });
  const stackParts = { logger, metrics, health, security, allowedMethods, media, cache, admin };
  const middleware = middlewareStack(config, stackParts);
  const handler = compose(...middleware)(routes);
  const backends = { cache, tasks, layer, db };
  const backedUpAt = ownsBackups ? lastBackupAt : undefined;

  return {
    handler,
    middleware,
    routes,
    config,
    board,
    db,
    cache,
    tasks,
    media,
    layer,
    websocket: { [ARTICLE_SOCKET_PATH]: articleSocket(config, { board, layer, cache }, security) },
    health,
    metrics,
    logger,
    methodNotAllowed: (request) => security(request, async () => notAllowed(new URL(request.url).pathname)),
    deployContext: () => deployContextOf(config, { ...backends, middleware, health, lastBackupAt: backedUpAt }),
    setBaseUrl(url) {
      baseUrl = url.replace(/\/$/, '');
    },
    countWebSockets,
    async close() {
      health.beginShutdown();
      admin.close();
      disconnectReceivers();
      await closeBackends(backends);
    },
  };
}
