import { isAbsolute, resolve } from 'node:path';
import { fromRoot } from './paths.js';

/** Everything the demo reads from the environment, with the embedded defaults `npm start` uses. */
export interface DemoConfig {
  /** TCP port; `0` picks a free one (tests). @defaultValue 3000 */
  port: number;
  /** Interface to bind. @defaultValue `127.0.0.1` */
  host: string;
  /** Folder for the SQLite file, the e-mail outbox, exports and backups. @defaultValue `apps/demo/data` */
  dataDir: string;
  /** Redis URL: when set, cache, tasks and the channel layer move to Redis. */
  redisUrl: string | undefined;
  /** Number of processes to run (needs `redisUrl` above 1). @defaultValue 1 */
  workers: number;
  /** Development mode: detailed errors, no HTTPS redirects. @defaultValue true */
  debug: boolean;
  /** Secret for signing; a fixed development value unless set. */
  secretKey: string;
  /** Hosts the app answers for. @defaultValue `localhost,127.0.0.1` */
  allowedHosts: string[];
  /** Default time zone for dates until the visitor picks one. @defaultValue `UTC` */
  timeZone: string;
  /** Seconds between two digest e-mails. @defaultValue 3600 */
  digestIntervalSeconds: number;
  /** Artificial pause per CSV chunk so the progress bar is visible on small exports. @defaultValue 40 */
  exportChunkDelayMs: number;
  /** Seconds the article list stays cached. @defaultValue 300 */
  pageCacheSeconds: number;
  /** Seed a few articles on an empty database. @defaultValue true */
  seed: boolean;
}

function intFrom(env: NodeJS.ProcessEnv, name: string, fallback: number, min = 0): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min) {
    throw new TypeError(`Expected \`${name}\` to be an integer from ${min} and up, got \`${raw}\` (string)`);
  }
  return value;
}

function boolFrom(env: NodeJS.ProcessEnv, name: string, fallback: boolean): boolean {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  if (/^(1|true|yes|on)$/i.test(raw)) return true;
  if (/^(0|false|no|off)$/i.test(raw)) return false;
  throw new TypeError(`Expected \`${name}\` to be a boolean (true/false/1/0), got \`${raw}\` (string)`);
}

/** Reads the configuration from `env` (default `process.env`), falling back to embedded defaults. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<DemoConfig> = {}): DemoConfig {
  const dataDir = env.DATA_DIR ? (isAbsolute(env.DATA_DIR) ? env.DATA_DIR : resolve(env.DATA_DIR)) : fromRoot('data');
  return {
    port: intFrom(env, 'PORT', 3000),
    host: env.HOST || '127.0.0.1',
    dataDir,
    redisUrl: env.REDIS_URL || undefined,
    workers: intFrom(env, 'WORKERS', 1, 1),
    debug: boolFrom(env, 'DEBUG', true),
    secretKey: env.SECRET_KEY || 'dev-insecure-secret-key-change-me-in-production-0123456789',
    allowedHosts: (env.ALLOWED_HOSTS || 'localhost,127.0.0.1,[::1]')
      .split(',')
      .map((host) => host.trim())
      .filter(Boolean),
    timeZone: env.TIME_ZONE || 'UTC',
    digestIntervalSeconds: intFrom(env, 'DIGEST_INTERVAL_SECONDS', 3600, 1),
    exportChunkDelayMs: intFrom(env, 'EXPORT_CHUNK_DELAY_MS', 40),
    pageCacheSeconds: intFrom(env, 'PAGE_CACHE_SECONDS', 300),
    seed: boolFrom(env, 'SEED', true),
    ...overrides,
  };
}
