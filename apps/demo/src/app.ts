import { join } from 'node:path';
import type { AnyWebSocketRoute, ChannelLayer } from '@adv/async';
import { type Cache, cachePage, createCache, type SetOptions } from '@adv/cache';
import {
  backupReadinessCheck,
  collectStatic,
  createHealth,
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
import { Board } from './board.js';
import type { DemoConfig } from './config.js';
import { listBackups } from './db/backup.js';
import { type DatabaseLocation, openDatabase } from './db/database.js';
import { pendingMigrations } from './db/migrations.js';
import type { SqlDatabase } from './db/sql.js';
import { errorPages } from './http/errors.js';
import { current, localeMiddleware, setDefaultTimeZone } from './i18n.js';
import { mailerFor } from './jobs/mail.js';
import { createTasks, type DemoTasks } from './jobs/tasks.js';
import { createMedia, type DemoMedia } from './media.js';
import { fromRoot } from './paths.js';
import { dependencyReadiness } from './readiness.js';
import { ARTICLE_SOCKET_PATH, articleConsumer, createLayer } from './realtime.js';
import { createRoutes } from './routes.js';
import { createEngine } from './views/render.js';
import { connectReceivers, TAGS } from './wiring.js';

/** Every method some route (or static file, probe, metrics) serves. */
const APP_METHODS: readonly string[] = ['GET', 'HEAD', 'POST'];

/** Readiness checks the app serves without (degraded): cache, task queue, channel layer. */
const DEGRADABLE = ['cache', 'tasks', 'channels'] as const;

/**
 * A WebSocket route that refuses an upgrade whose Host is not in ALLOWED_HOSTS (a DNS-rebinding
 * page could otherwise open a socket the same Host over HTTP gets 400 for). The verdict is the
 * HTTP security middleware's own (same matching: ports, `.example.com`, X-Forwarded-Host), so
 * the two can never disagree; only its 400 counts (its HTTPS redirect is for pages).
 */
function hostChecked(route: AnyWebSocketRoute, security: Middleware): AnyWebSocketRoute {
  const { authenticate } = route;
  return {
    ...route,
    async authenticate(request: Request) {
      const verdict = await security(request, async () => new Response(null, { status: 204 }));
      if (verdict.status === 400) return verdict;
      return authenticate ? authenticate(request) : undefined;
    },
  };
}

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

/** Builds the demo app from its configuration. */
export async function createDemo(config: DemoConfig, options: DemoOptions = {}): Promise<Demo> {
  const logger = options.logger ?? pino({ level: config.logLevel });
  const { settings } = config;
  setDefaultTimeZone(config.timeZone);
  const location = options.database ?? config.database;
  const db = await openDatabase(location);
  const board = new Board(db);
  if (config.seed) await board.seed();
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
  const tasks = createTasks({
    board,
    cache,
    groups: layer,
    logger,
    mailer: mailerFor(config.email.url, join(config.dataDir, 'outbox'), config.email.from),
    exportDir: join(config.dataDir, 'exports'),
    outboxDir: join(config.dataDir, 'outbox'),
    chunkDelayMs: config.exportChunkDelayMs,
    baseUrl: () => baseUrl,
    redisUrl: config.redisUrl,
    database: location,
    digest: { cron: config.digestCron, timeZone: config.timeZone, to: config.digestTo },
    backup: ownsBackups ? config.backup : undefined,
    maintenance: config.maintenance,
    media: { storage: media.storage, maxPixels: config.media.maxPixels, backupRoot: media.diskRoot },
  });
  // Every web process also works the queue (in-process backend: the only way; BullMQ: each
  // process takes its share). A dedicated worker is `adv-tasks worker` on the same tasks.
  await tasks.ready();
  if (options.processTasks ?? true) await tasks.app.process({ concurrency: 4 });

  // Signals tie the pieces together: saving invalidates caches, notifies and broadcasts, after commit.
  const disconnectReceivers = connectReceivers({
    board,
    cache,
    tasks,
    groups: layer,
    logger,
    timeoutMs: config.dependencyTimeoutMs,
  });

  // collectstatic at start: hashed names + manifest, served with immutable caching.
  const manifest =
    options.collectStatic === false
      ? await loadManifest(config.staticRoot).catch((error: unknown) => {
          if (options.requireManifest ?? true) throw error;
          return undefined;
        })
      : (await collectStatic(fromRoot('static'), config.staticRoot)).manifest;
  const engine = createEngine({
    staticUrl: (name) => staticUrl(manifest, name, settings.STATIC_URL),
    cache: !config.debug,
    // {% cache %} fragments carry the `popular` tag, so a new comment drops every variant at once.
    fragments: {
      getOrSet: <T>(key: string, render: () => T | Promise<T>, options?: SetOptions) =>
        cache.getOrSet(key, render, { ...options, tags: [TAGS.popular] }),
    },
  });
  const routes = createRoutes({
    board,
    engine,
    tasks,
    cache,
    media,
    exportDir: join(config.dataDir, 'exports'),
    logger,
    dependencyTimeoutMs: config.dependencyTimeoutMs,
  });

  // Django's cache_page on the article list. Pages are keyed by URL, language and time zone;
  // every page write carries the list's tag so a save drops all variants.
  const listPages = cachePage({
    cache,
    ttl: config.pageCacheSeconds,
    tags: [TAGS.articleList],
    // The negotiated language and time zone are in the key, not in a header of the request.
    keyParts: () => {
      const { locale, timeZone } = current();
      return [locale, timeZone];
    },
  });
  const pageCache: Middleware = async function articleListCache(request, next) {
    const { pathname } = new URL(request.url);
    if (pathname !== '/' || config.pageCacheSeconds === 0) return next(request);
    const response = await listPages(request, next);
    // Cached on the server, revalidated by browsers (ETag -> 304): a new article shows at once.
    response.headers.set('cache-control', 'no-cache');
    response.headers.delete('expires');
    return response;
  };

  // /readyz reports the age of the last backup ("last backup 3 h ago") but never fails on it: a
  // stale backup is an alert (check --deploy's adv.E009, monitoring on this detail), not a
  // reason for the load balancer to drop every process at once.
  const lastBackupAt = () => listBackups(config.backup.dir)[0]?.at ?? null;
  const backupAge = backupReadinessCheck({ lastBackupAt, maxAgeSeconds: config.backup.maxAgeHours * 3600 });
  const backupCheck = {
    name: 'backup',
    async check(signal: AbortSignal) {
      try {
        return (await backupAge.check(signal)) as string;
      } catch (error) {
        return `${(error as Error).message} (BACKUP_MAX_AGE_HOURS=${config.backup.maxAgeHours})`;
      }
    },
  };
  const health = createHealth({
    checks: [
      ...(ownsBackups ? [backupCheck] : []),
      cache.readinessCheck('cache'),
      tasks.app.readinessCheck('tasks'),
      {
        name: 'channels',
        async check() {
          await layer.groupMembers('readiness-probe');
          return layer.backendInfo.name;
        },
      },
      {
        name: 'database',
        async check() {
          await db.ping();
          const pending = await pendingMigrations(db);
          if (pending.length > 0) throw new Error(`migrations not applied: ${pending.join(', ')}`);
          return db.dialect;
        },
      },
    ],
  });
  const metrics = createMetrics();
  // The database is required (503 when down); the rest degrade: cached pages still render.
  const readiness = dependencyReadiness({ health, degradable: DEGRADABLE, registry: metrics.registry });

  // Methods no route serves (PUT, DELETE, OPTIONS, PROPFIND …) get 405 with `Allow` before the
  // CSRF check would call them forbidden, inside the security middleware so its headers apply.
  const security = securityMiddleware(settings);
  const notAllowed = (pathname: string) => {
    const allow = routes.allowedMethods(pathname);
    return new Response('Method Not Allowed', {
      status: 405,
      headers: {
        allow: (allow.length > 0 ? allow : APP_METHODS).join(', '),
        'content-type': 'text/plain; charset=utf-8',
        'cache-control': 'no-store',
      },
    });
  };
  const allowedMethods: Middleware = async function allowedMethods(request, next) {
    if (APP_METHODS.includes(request.method)) return next(request);
    return notAllowed(new URL(request.url).pathname);
  };

  // Outermost first, like Django's MIDDLEWARE. Probes and metrics answer before host checks
  // (load balancers probe by IP); CSRF guards every unsafe request the routes see.
  const middleware: Middleware[] = [
    requestLogger({ logger }),
    metrics.middleware,
    readiness,
    health.middleware,
    security,
    allowedMethods,
    serveStatic({ root: config.staticRoot, prefix: settings.STATIC_URL }),
    // Uploaded images under MEDIA_URL (nginx serves them itself in front of one machine's disk).
    media.middleware,
    csrfMiddleware(settings),
    errorPages(logger, config.debug),
    localeMiddleware,
    pageCache,
  ];
  const handler = compose(...middleware)(routes);

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
    websocket: {
      // @adv/async checks the Host header itself; when X-Forwarded-Host is trusted (the Host header
      // is then the proxy's) or the list is empty (DEBUG's localhost defaults apply), only the
      // security middleware's verdict (hostChecked) can judge the upgrade.
      [ARTICLE_SOCKET_PATH]: hostChecked(
        articleConsumer(
          board,
          layer,
          cache,
          settings.USE_X_FORWARDED_HOST || settings.ALLOWED_HOSTS.length === 0
            ? {}
            : { allowedHosts: settings.ALLOWED_HOSTS },
        ),
        security,
      ),
    },
    health,
    metrics,
    logger,
    methodNotAllowed: (request) => security(request, async () => notAllowed(new URL(request.url).pathname)),
    deployContext: () => ({
      processes: config.workers,
      ...(settings.BEHIND_PROXY === undefined ? {} : { behindProxy: settings.BEHIND_PROXY }),
      backends: { cache, tasks: tasks.app.backend, channels: layer },
      middleware,
      health,
      static: { root: config.staticRoot, sourceDir: fromRoot('static') },
      pendingMigrations: async () => (await pendingMigrations(db)).map(String),
      ...(ownsBackups
        ? { backup: { lastBackupAt: lastBackupAt(), maxAgeSeconds: config.backup.maxAgeHours * 3600 } }
        : {}),
    }),
    setBaseUrl(url) {
      baseUrl = url.replace(/\/$/, '');
    },
    async close() {
      health.beginShutdown();
      disconnectReceivers();
      await layer.close();
      await tasks.closeOutbox();
      await tasks.app.close({ timeout: 5000 });
      await db.close();
      await cache.close();
    },
  };
}
