import type { ChannelLayer } from '@adv/async';
import type { Cache } from '@adv/cache';
import { backupReadinessCheck, createHealth, type Health } from '@adv/deploy';
import type { DemoConfig } from './config.js';
import { listBackups } from './db/backup.js';
import { pendingMigrations } from './db/migrations.js';
import type { SqlDatabase } from './db/sql.js';
import type { DemoTasks } from './jobs/tasks.js';

/** What the readiness checks look at. */
export interface HealthDeps {
  config: DemoConfig;
  db: SqlDatabase;
  cache: Cache;
  tasks: DemoTasks;
  layer: ChannelLayer;
  /** Whether the app backs up its database (SQLite): then `/readyz` reports the last backup's age. */
  ownsBackups: boolean;
}

/**
 * `/readyz` reports the age of the last backup ("last backup 3 h ago") but never fails on it: a
 * stale backup is an alert (check --deploy's adv.E009, monitoring on this detail), not a reason
 * for the load balancer to drop every process at once.
 */
function backupCheck(config: DemoConfig, lastBackupAt: () => Date | null) {
  const backupAge = backupReadinessCheck({ lastBackupAt, maxAgeSeconds: config.backup.maxAgeHours * 3600 });
  return {
    name: 'backup',
    async check(signal: AbortSignal) {
      try {
        return (await backupAge.check(signal)) as string;
      } catch (error) {
        return `${(error as Error).message} (BACKUP_MAX_AGE_HOURS=${config.backup.maxAgeHours})`;
      }
    },
  };
}

/** The health checks of the demo (backup age, cache, tasks, channel layer, database and its migrations). */
export function createDemoHealth({ config, db, cache, tasks, layer, ownsBackups }: HealthDeps): {
  health: Health;
  lastBackupAt(): Date | null;
} {
  const lastBackupAt = () => listBackups(config.backup.dir)[0]?.at ?? null;
  const health = createHealth({
    checks: [
      ...(ownsBackups ? [backupCheck(config, lastBackupAt)] : []),
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
  return { health, lastBackupAt };
}
