import { isAbsolute, join, resolve } from 'node:path';
import { defineSettings, type Settings } from '@adv/deploy';
import { z } from 'zod';
import { fromRoot } from './paths.js';

const int = (fallback: number, min = 0) =>
  z
    .string()
    .regex(/^\d+$/, 'expected a whole number')
    .transform(Number)
    .refine((n) => n >= min, `expected ${min} or more`)
    .default(fallback);

const path = (fallback: string) =>
  z
    .string()
    .transform((value) => (isAbsolute(value) ? value : resolve(value)))
    .default(fallback);

/** The demo's own variables, on top of `@adv/deploy`'s base settings (DEBUG, SECRET_KEY, ALLOWED_HOSTS …). */
export const demoSettingsShape = {
  /** TCP port; `0` picks a free one. */
  PORT: int(3000),
  /** Interface to bind. */
  HOST: z.string().default('127.0.0.1'),
  /** SQLite file, e-mail outbox, exports and backups live here. */
  DATA_DIR: path(fromRoot('data')),
  /** Where collected (hashed) static files are written and served from. */
  STATIC_ROOT: path(fromRoot('dist', 'static')),
  /**
   * PostgreSQL for the board's data (`postgres://user:password@host:5432/board`), the server
   * database of the scaled-out setup; unset: the embedded SQLite file `DATA_DIR/board.sqlite3`.
   */
  DATABASE_URL: z
    .url({
      protocol: /^postgres(ql)?$/,
      error: 'expected a postgres:// URL (postgres://user:password@host:5432/database)',
    })
    .optional(),
  /** PostgreSQL connections each process keeps in its pool. */
  DATABASE_POOL_SIZE: int(10, 1),
  /**
   * Where uploaded images go: unset keeps them on disk in MEDIA_ROOT (default `DATA_DIR/media`),
   * one machine's setup; `s3://bucket/prefix/?region=…` or `s3+https://KEY:SECRET@host/bucket/`
   * puts them in S3 (or an S3-compatible server), which several machines share.
   */
  MEDIA_STORAGE_URL: z.string().optional(),
  /** Largest image (width x height, in pixels) the thumbnail task decodes; a larger one fails (a decompression bomb). */
  THUMBNAIL_MAX_PIXELS: int(40_000_000, 1),
  /** With it, cache, tasks and the channel layer move to Redis and several processes can share the work. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /**
   * Whether a TLS-terminating proxy (the nginx of `deploy/nginx.conf`) sits in front: `check
   * --deploy` then wants SECURE_PROXY_SSL_HEADER (adv.W014), and without one warns when proxy
   * headers are trusted anyway. Unset: not known, neither check runs.
   */
  BEHIND_PROXY: z.stringbool().optional(),
  /** Processes to run (above 1 needs REDIS_URL). */
  WORKERS: int(1, 1),
  /** Time zone of dates until the visitor picks one. */
  TIME_ZONE: z.string().default('UTC'),
  /** When the digest e-mail goes out (cron, in TIME_ZONE). */
  DIGEST_CRON: z.string().default('0 8 * * *'),
  /** When the database is backed up (cron, in TIME_ZONE). */
  BACKUP_CRON: z.string().default('0 3 * * *'),
  /** How many backups to keep. */
  BACKUP_KEEP: int(7, 1),
  /** Age in hours after which `check --deploy` calls the last backup too old. */
  BACKUP_MAX_AGE_HOURS: int(48, 1),
  /** Hours export files are kept before `prune-exports` removes them. */
  EXPORT_KEEP_HOURS: int(24, 1),
  /** Days `.eml` files stay in the outbox before `prune-outbox` removes them. */
  OUTBOX_KEEP_DAYS: int(14, 1),
  /** Finished jobs (of each outcome) the task backend keeps for status, results and stats. */
  TASK_RESULTS_KEEP: int(1000, 1),
  /** SMTP server for e-mails (`smtp://user:pass@host:587`); unset writes `.eml` files to `DATA_DIR/outbox`. */
  EMAIL_URL: z.url({ protocol: /^smtps?$/ }).optional(),
  /** Sender address of the e-mails. */
  EMAIL_FROM: z.string().default('board@localhost'),
  /** Who receives the digest. */
  DIGEST_TO: z.string().default('editors@example.com'),
  /** Pause per CSV chunk so the progress bar is visible on small exports (ms). */
  EXPORT_CHUNK_DELAY_MS: int(40),
  /** Seconds the article list stays in the page cache (0 switches the page cache off). */
  PAGE_CACHE_SECONDS: int(300),
  /** Seed a few articles into an empty database. */
  SEED: z.stringbool().default(true),
  /**
   * Milliseconds a request waits for the cache, the task queue or the channel layer before it
   * goes on without it (a page renders without its view count, a write answers 503, a broadcast
   * after a commit is logged and skipped): the bound on every call the request path makes to Redis.
   */
  DEPENDENCY_TIMEOUT_MS: int(2000, 1),
  /**
   * Milliseconds a SIGTERM/SIGINT shutdown may take: in-flight requests get the first half,
   * then the queue, channel layer, database and cache close; past it the process exits with
   * code 1 anyway (a dependency that is down must not keep a stopping process alive).
   */
  SHUTDOWN_TIMEOUT_MS: int(10_000, 100),
  /**
   * Password of the `/admin/` area (tasks dashboard, cache, realtime, health, deploy checks,
   * backups); unset or empty: the area is off and its pages say how to turn it on. Hashed with
   * scrypt at start and never logged (a secret setting: redacted in errors and logs).
   */
  ADMIN_PASSWORD: z
    .string()
    .optional()
    .transform((value) => (value === '' ? undefined : value))
    .refine((value) => value === undefined || value.length >= 12, 'expected at least 12 characters'),
  /** pino level of the request and app logs. */
  LOG_LEVEL: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent']).default('info'),
};

export type DemoSettings = Settings<typeof demoSettingsShape>;

/** Everything the app reads at start, resolved from the settings. */
export interface DemoConfig {
  settings: DemoSettings;
  port: number;
  host: string;
  dataDir: string;
  staticRoot: string;
  redisUrl: string | undefined;
  /** The board's database: `url` (PostgreSQL) when DATABASE_URL is set, else the SQLite `file`. */
  database: { url: string | undefined; file: string; poolSize: number };
  workers: number;
  debug: boolean;
  timeZone: string;
  digestCron: string;
  email: { url: string | undefined; from: string };
  backup: { cron: string; keep: number; maxAgeHours: number; dir: string };
  digestTo: string;
  maintenance: { exportKeepHours: number; outboxKeepDays: number; taskResultsKeep: number };
  /** Uploaded images: where (MEDIA_ROOT on disk unless MEDIA_STORAGE_URL), under which URL, how large. */
  media: {
    root: string;
    url: string;
    storageUrl: string | undefined;
    maxUploadBytes: number;
    maxPixels: number;
  };
  exportChunkDelayMs: number;
  pageCacheSeconds: number;
  /** DEPENDENCY_TIMEOUT_MS: the bound on a request's calls to the cache, queue and channel layer. */
  dependencyTimeoutMs: number;
  /** SHUTDOWN_TIMEOUT_MS: the bound on a graceful stop. */
  shutdownTimeoutMs: number;
  seed: boolean;
  logLevel: DemoSettings['LOG_LEVEL'];
}

/**
 * Development defaults, so `npm start` needs no environment. They apply only while DEBUG is on:
 * with `DEBUG=false` a missing SECRET_KEY fails the start (`@adv/deploy`'s SettingsError).
 */
const DEV_DEFAULTS = {
  DEBUG: 'true',
  SECRET_KEY: 'dev-only-insecure-key:the-demo-refuses-it-when-debug-is-off',
  ALLOWED_HOSTS: 'localhost,127.0.0.1,[::1]',
};

/** Options of {@link loadConfig}. */
export interface LoadConfigOptions {
  /**
   * Load a weak or placeholder SECRET_KEY even with DEBUG off, so `check --deploy` can report it
   * (`security.W009`, `adv.E003`); a server never sets it (`@adv/deploy` refuses such a key).
   * @defaultValue `false`
   */
  allowWeakSecretKey?: boolean;
}

/** Reads the settings from `env` (default `process.env` and a `.env` file) and applies `overrides`. */
export function loadConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: Partial<DemoConfig> = {},
  options: LoadConfigOptions = {},
): DemoConfig {
  const debugOff = env.DEBUG !== undefined && /^(0|false|no|off)$/i.test(env.DEBUG);
  const defaults = debugOff ? { ALLOWED_HOSTS: DEV_DEFAULTS.ALLOWED_HOSTS } : DEV_DEFAULTS;
  const settings = defineSettings({
    schema: demoSettingsShape,
    env: { ...defaults, ...env },
    envFile: env === process.env ? undefined : false,
    allowWeakSecretKey: options.allowWeakSecretKey ?? false,
  });
  // Folders under the data directory follow an overridden `dataDir` (tests, benchmarks).
  const dataDir = overrides.dataDir ?? settings.DATA_DIR;
  return {
    settings,
    port: settings.PORT,
    host: settings.HOST,
    dataDir,
    staticRoot: settings.STATIC_ROOT,
    redisUrl: settings.REDIS_URL,
    database: {
      url: settings.DATABASE_URL,
      file: join(dataDir, 'board.sqlite3'),
      poolSize: settings.DATABASE_POOL_SIZE,
    },
    workers: settings.WORKERS,
    debug: settings.DEBUG,
    timeZone: settings.TIME_ZONE,
    digestCron: settings.DIGEST_CRON,
    email: { url: settings.EMAIL_URL, from: settings.EMAIL_FROM },
    backup: {
      cron: settings.BACKUP_CRON,
      keep: settings.BACKUP_KEEP,
      maxAgeHours: settings.BACKUP_MAX_AGE_HOURS,
      dir: join(dataDir, 'backups'),
    },
    digestTo: settings.DIGEST_TO,
    maintenance: {
      exportKeepHours: settings.EXPORT_KEEP_HOURS,
      outboxKeepDays: settings.OUTBOX_KEEP_DAYS,
      taskResultsKeep: settings.TASK_RESULTS_KEEP,
    },
    media: {
      root: settings.MEDIA_ROOT ?? join(dataDir, 'media'),
      url: settings.MEDIA_URL,
      storageUrl: settings.MEDIA_STORAGE_URL?.trim() || undefined,
      maxUploadBytes: settings.MEDIA_MAX_UPLOAD_BYTES,
      maxPixels: settings.THUMBNAIL_MAX_PIXELS,
    },
    exportChunkDelayMs: settings.EXPORT_CHUNK_DELAY_MS,
    pageCacheSeconds: settings.PAGE_CACHE_SECONDS,
    dependencyTimeoutMs: settings.DEPENDENCY_TIMEOUT_MS,
    shutdownTimeoutMs: settings.SHUTDOWN_TIMEOUT_MS,
    seed: settings.SEED,
    logLevel: settings.LOG_LEVEL,
    ...overrides,
  };
}
