import type { ChannelLayer } from '@adv/async';
import type { Cache } from '@adv/cache';
import type { Health } from '@adv/deploy';
import type { Logger } from '@adv/types';
import type { DemoConfig } from '../config.js';
import { backupDatabase, listBackups } from '../db/backup.js';
import type { SqlDatabase } from '../db/sql.js';
import type { DemoTasks } from '../jobs/tasks.js';
import { type AdminArea, adminArea } from './area.js';
import type { AdminAreaOptions } from './options.js';

export type { AdminArea } from './area.js';
export { adminArea } from './area.js';
export type { AuditEntry } from './audit.js';
export type {
  AdminAreaOptions,
  AdminBackupFile,
  AdminBackups,
  AdminCache,
  AdminHealth,
  AdminLayer,
  AdminSettings,
} from './options.js';
export { ADMIN_DEFAULTS, AdminOptionError } from './options.js';

/** The pieces of a running demo the admin area reads (what `createDemo` builds). */
export interface DemoAdminParts {
  config: DemoConfig;
  db: SqlDatabase;
  cache: Cache;
  tasks: DemoTasks;
  layer: ChannelLayer;
  health: Health;
  logger: Logger;
  /** Readiness checks the app serves without (app.ts's DEGRADABLE). */
  degradable: readonly string[];
  /** The uploaded files: "back up now" copies them beside the database when they are on this disk, as the backup task does. */
  media?: { diskRoot: string | undefined } | undefined;
  /** Open WebSocket connections of this process, once the server is up (`server.webSockets`). */
  webSockets?: (() => number | undefined) | undefined;
}

/**
 * {@link adminArea}'s options for the demo: its settings (ADMIN_PASSWORD, SECRET_KEY), task
 * app, cache, channel layer, readiness checks, `check --deploy` as `npm run check` runs it, and
 * the SQLite backups with the media files on disk (none when DATABASE_URL points at PostgreSQL).
 */
export function demoAdminOptions(parts: DemoAdminParts): AdminAreaOptions {
  const { config, db } = parts;
  const { dir, keep } = config.backup;
  const mediaRoot = parts.media?.diskRoot;
  return {
    settings: config.settings,
    tasks: parts.tasks.app,
    cache: parts.cache,
    layer: parts.layer,
    health: parts.health,
    degradable: parts.degradable,
    logger: parts.logger,
    webSockets: parts.webSockets,
    // Imported when run: deploy-check.ts builds a scratch demo (createDemo), which imports this module.
    deployCheck: async () => (await import('../deploy-check.js')).deployReport(config),
    backups:
      config.database.url === undefined
        ? { list: () => listBackups(dir), backUpNow: () => backupDatabase(db, dir, { keep, mediaRoot }) }
        : undefined,
  };
}

/** The demo's `/admin/` area: `adminArea(demoAdminOptions(parts))`. */
export function demoAdmin(parts: DemoAdminParts): AdminArea {
  return adminArea(demoAdminOptions(parts));
}
