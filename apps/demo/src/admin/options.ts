import type { DeployReport, SecuritySettings } from '@adv/deploy';
import type { TaskApp } from '@adv/tasks';
import {
  type BackendInfo,
  type CacheStatsLike,
  type ChannelLayerStatsLike,
  type Logger,
  resolveOptions,
} from '@adv/types';

/** A backup file as the panel lists it. */
export interface AdminBackupFile {
  file: string;
  at: Date;
  bytes: number;
  /** The copy of the uploaded files taken with it, if any. */
  media?: string | undefined;
  /** How many files that copy holds (known right after a backup). */
  mediaFiles?: number | undefined;
}

/** The backups the area lists and takes. */
export interface AdminBackups {
  /** Backups, newest first. */
  list(): AdminBackupFile[] | Promise<AdminBackupFile[]>;
  /** Takes one now ("back up now"). */
  backUpNow(): Promise<AdminBackupFile>;
}

/** Readiness checks as `createHealth` runs them. */
export interface AdminHealth {
  run(): Promise<{ ok: boolean; checks: Record<string, { ok: boolean; error?: string; detail?: string }> }>;
  /** While true, live streams end so they do not hold a stopping server open. */
  readonly shuttingDown: boolean;
}

/** The cache as the panel reads it: what it is, its failures, and `stats()` where the cache has it. */
export interface AdminCache {
  readonly backendInfo: BackendInfo;
  on?(event: 'error', listener: (error: Error) => void): () => void;
  /** `@adv/cache`'s counters (hits, misses, errors by operation and tier) where available. */
  stats?(): CacheStatsLike;
}

/** The channel layer as the realtime panel reads it. */
export interface AdminLayer {
  readonly backendInfo: BackendInfo;
  readonly dropped: number;
  /** `@adv/async`'s snapshot (channels, groups, members, sent, received, drops) where available. */
  stats?(): ChannelLayerStatsLike;
}

/** The settings the area reads: SECRET_KEY (and fallbacks) sign sessions, the proxy settings mark cookies Secure. */
export type AdminSettings = SecuritySettings & {
  SECRET_KEY: string;
  /** Unset: the area is off. */
  ADMIN_PASSWORD?: string | undefined;
  /** The demo's flag: with a proxy in front, the rate limit keys on the address it puts in X-Forwarded-For. */
  BEHIND_PROXY?: boolean | undefined;
};

/** Options of {@link adminArea}. */
export interface AdminAreaOptions {
  settings: AdminSettings;
  /** The task app: its dashboard (`@adv/tasks/dashboard`) is mounted at `<basePath>/tasks/`. */
  tasks: TaskApp;
  cache: AdminCache;
  layer: AdminLayer;
  health: AdminHealth;
  /** Names of checks the app serves without (shown as "degraded", not "failing"). @defaultValue [] */
  degradable?: readonly string[] | undefined;
  /** Runs `check --deploy` on this deployment. */
  deployCheck: () => Promise<DeployReport>;
  /** The database backups; `undefined` where the database is a server with its own backups. */
  backups?: AdminBackups | undefined;
  /** Where a server is known: open WebSocket connections of this process (`server.webSockets`). */
  webSockets?: (() => number | undefined) | undefined;
  logger: Logger;
  /** Where the area is mounted, without a trailing slash. @defaultValue '/admin' */
  basePath?: string | undefined;
  /** Login attempts per client per minute; more get 429 with Retry-After. @defaultValue 5 */
  loginAttemptsPerMinute?: number | undefined;
  /** Seconds a login lasts. @defaultValue 28800 (8 hours) */
  sessionMaxAgeSeconds?: number | undefined;
  /** Entries the in-memory audit list keeps (the log keeps all). @defaultValue 500 */
  auditKeep?: number | undefined;
  /**
   * The client a login attempt counts against. A Fetch request carries no peer address, so the
   * default is the last `X-Forwarded-For` entry when a proxy is trusted (BEHIND_PROXY or
   * SECURE_PROXY_SSL_HEADER set: the demo's nginx sets it to `$remote_addr`), else one key for
   * every direct client (stricter: they share the limit).
   */
  clientKey?: ((request: Request) => string) | undefined;
}

/** Defaults of {@link AdminAreaOptions}. */
export const ADMIN_DEFAULTS = {
  basePath: '/admin',
  degradable: [] as readonly string[],
  loginAttemptsPerMinute: 5,
  sessionMaxAgeSeconds: 8 * 3600,
  auditKeep: 500,
} as const;

/** A wrong option of {@link adminArea}. */
export class AdminOptionError extends TypeError {
  override readonly name = 'AdminOptionError';
  readonly code = 'ERR_INVALID_OPTION';
}

const KEYS = {
  settings: true,
  tasks: true,
  cache: true,
  layer: true,
  health: true,
  degradable: true,
  deployCheck: true,
  backups: true,
  webSockets: true,
  logger: true,
  basePath: true,
  loginAttemptsPerMinute: true,
  sessionMaxAgeSeconds: true,
  auditKeep: true,
  clientKey: true,
} as const;

const fail = (name: string, expected: string, value: unknown): never => {
  throw new AdminOptionError(`Expected \`${name}\` to be ${expected}, got \`${String(value)}\` (${typeof value})`);
};

const positiveInt = (name: string, value: number) =>
  Number.isInteger(value) && value >= 1 ? value : fail(name, 'an integer from 1 and up', value);

/** The options with defaults applied, checked once. */
export function resolveAdminOptions(options: AdminAreaOptions) {
  const o = resolveOptions(options, {
    name: 'adminArea',
    keys: KEYS,
    defaults: ADMIN_DEFAULTS,
    error: (message) => new AdminOptionError(message),
  });
  if (typeof o.settings !== 'object' || o.settings === null) fail('settings', 'the settings object', o.settings);
  if (typeof o.settings.SECRET_KEY !== 'string' || o.settings.SECRET_KEY === '') {
    fail('settings.SECRET_KEY', 'a non-empty string', o.settings.SECRET_KEY);
  }
  const password = o.settings.ADMIN_PASSWORD;
  if (password !== undefined && typeof password !== 'string') fail('settings.ADMIN_PASSWORD', 'a string', password);
  if (typeof o.basePath !== 'string' || !/^\/[^?#]*[^/?#]$/.test(o.basePath)) {
    fail('basePath', "a path starting with '/' and not ending with '/'", o.basePath);
  }
  for (const name of ['deployCheck', 'clientKey', 'webSockets'] as const) {
    if (o[name] !== undefined && typeof o[name] !== 'function') fail(name, 'a function', o[name]);
  }
  if (!Array.isArray(o.degradable)) fail('degradable', 'an array of check names', o.degradable);
  positiveInt('loginAttemptsPerMinute', o.loginAttemptsPerMinute);
  positiveInt('sessionMaxAgeSeconds', o.sessionMaxAgeSeconds);
  positiveInt('auditKeep', o.auditKeep);
  return o;
}

export type ResolvedAdminOptions = ReturnType<typeof resolveAdminOptions>;
