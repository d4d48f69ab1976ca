import type { DescribesBackend, Middleware } from '@adv/types';
import type { resolveSettings } from '../settings-schema.js';

/** Severity of a finding, as Django's check framework (DEBUG … CRITICAL). */
export type CheckLevel = 'debug' | 'info' | 'warning' | 'error' | 'critical';

/** Numeric order of {@link CheckLevel}s, for `--fail-level`. */
export const LEVEL_ORDER: Readonly<Record<CheckLevel, number>> = {
  debug: 10,
  info: 20,
  warning: 30,
  error: 40,
  critical: 50,
};

/** One problem found by `checkDeploy`. */
export interface Finding {
  /** Stable id to silence it by: Django's (`security.W004`) where the meaning carries over, else `adv.*`. */
  id: string;
  /** Severity. */
  level: CheckLevel;
  /** What is wrong. Never contains a secret's value. */
  message: string;
  /** How to fix it. */
  hint?: string;
}

/** When the last backup ran and how old it may be before `adv.E009` fires. */
export interface BackupStatus {
  /** Time of the last successful backup; `null` when none was ever taken. */
  lastBackupAt: Date | number | null;
  /**
   * Age in seconds after which the backup counts as too old.
   * @defaultValue `86400` (one day)
   */
  maxAgeSeconds?: number | undefined;
}

/** The `static` part of a {@link DeployContext}: where the collected files and their sources are. */
export interface DeployStaticContext {
  /**
   * The directory `collectStatic` wrote.
   * @defaultValue `STATIC_ROOT`
   */
  root?: string | undefined;
  /** The source directory; a file there newer than the manifest fires `adv.W007`. */
  sourceDir?: string | undefined;
}

/**
 * What the app knows about itself at deploy time: facts settings cannot express. Every field
 * is optional; a check whose input is absent either assumes the safe default or fires (noted per field).
 */
export interface DeployContext {
  /**
   * How many processes serve the app (e.g. `runCluster`'s `workers` × machines).
   * @defaultValue `1`
   */
  processes?: number | undefined;
  /**
   * Cache, task backend, channel layer … anything with `backendInfo` (`DescribesBackend`).
   * In-memory ones with `processes > 1` fire `adv.E001`.
   * @example `{ cache, tasks: taskBackend, channels: channelLayer }`
   */
  backends?: Readonly<Record<string, DescribesBackend | undefined>> | readonly DescribesBackend[] | undefined;
  /**
   * The app's middleware (functions or names). When given, a missing `securityMiddleware` fires
   * `security.W001` and a missing `csrfMiddleware` fires `security.W003`; when absent, both are assumed present.
   */
  middleware?: readonly (Middleware | string)[] | undefined;
  /**
   * Health endpoints the app serves (pass the object `createHealth()` returns). Absent or
   * without `readinessPath`, `adv.W005` fires.
   */
  health?: { readonly livenessPath?: string | undefined; readonly readinessPath?: string | undefined } | undefined;
  /**
   * Static files: `root` defaults to `STATIC_ROOT`; with `sourceDir`, a source file newer
   * than the manifest fires `adv.W007`. When neither `root` nor `STATIC_ROOT` is set, the static checks are skipped.
   */
  static?: DeployStaticContext | undefined;
  /** Backups of the app's database. Absent fires `adv.W008`; `false` says the app keeps no data. */
  backup?: BackupStatus | false | undefined;
  /** Names of migrations not yet applied (or a function returning them); non-empty fires `adv.E010`. */
  pendingMigrations?: readonly string[] | (() => readonly string[] | Promise<readonly string[]>) | undefined;
  /** The app's own secrets (JWT keys, webhook secrets …) to test for weakness (`adv.W004`); values are never printed. */
  secrets?: Readonly<Record<string, string | undefined>> | undefined;
  /**
   * Whether a reverse proxy terminates TLS in front of the app: `true` enables `adv.W014`
   * (no `SECURE_PROXY_SSL_HEADER`), `false` enables `adv.W017` (forwarded headers trusted with
   * no proxy to set them); absent skips both.
   */
  behindProxy?: boolean | undefined;
  /**
   * The directory the app's code is deployed to; a `MEDIA_ROOT` inside it fires `adv.W023`.
   * @defaultValue `process.cwd()`
   */
  codeRoot?: string | undefined;
  /** Extra ids to silence, on top of `SILENCED_SYSTEM_CHECKS`. */
  silenced?: readonly string[] | undefined;
  /**
   * Time source for the backup-age check.
   * @defaultValue `Date.now`
   */
  now?: (() => number) | undefined;
}

/** Settings as the checks see them: Django's defaults filled in. */
export type ResolvedSettings = ReturnType<typeof resolveSettings>;

/** One check: returns its findings (possibly none). */
export type Check = (settings: ResolvedSettings, context: DeployContext) => Finding[] | Promise<Finding[]>;
