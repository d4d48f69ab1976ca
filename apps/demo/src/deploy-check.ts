import { checkDeployReport, type DeployContext, type DeployReport } from '@adv/deploy';
import { pino } from 'pino';
import { createDemo } from './app.js';
import type { DemoConfig } from './config.js';
import { inspectMigrations } from './db/database.js';
import { MIGRATIONS } from './db/migrations.js';

/** Options of {@link inspectDeployment}. */
export interface InspectOptions {
  /** Processes that will run (adv.E001 fires for in-memory backends above 1). @defaultValue `config.workers` */
  processes?: number;
}

/**
 * What `check --deploy` needs to know about this deployment, read without changing it: the
 * database file is inspected read-only (pending migrations fire `adv.E010` instead of being
 * applied), static files are not collected (a missing manifest fires `adv.E006`), and the app
 * is built on a scratch database without task processing, only to describe its real backends,
 * middleware, health checks and backups; it is closed again before this resolves.
 */
export async function inspectDeployment(config: DemoConfig, options: InspectOptions = {}): Promise<DeployContext> {
  const pending = await inspectMigrations(config.database);
  const demo = await createDemo(
    { ...config, seed: false },
    {
      logger: pino({ level: 'silent' }),
      processTasks: false,
      collectStatic: false,
      requireManifest: false,
      database: { file: ':memory:' },
    },
  );
  try {
    return {
      ...demo.deployContext(),
      ...(options.processes === undefined ? {} : { processes: options.processes }),
      pendingMigrations: pending.map((id) => `#${id} (${MIGRATIONS.find((m) => m.id === id)?.name ?? 'unknown'})`),
    };
  } finally {
    await demo.close();
  }
}

/** Django's `check --deploy` on this deployment as it is (see {@link inspectDeployment}). */
export async function deployReport(config: DemoConfig, options: InspectOptions = {}): Promise<DeployReport> {
  return checkDeployReport(config.settings, await inspectDeployment(config, options));
}
