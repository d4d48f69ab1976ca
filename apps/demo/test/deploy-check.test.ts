import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDemo } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { backupDatabase } from '../src/db/backup.js';
import { openDatabase } from '../src/db/database.js';
import { deployReport } from '../src/deploy-check.js';
import { fromRoot } from '../src/paths.js';
import { postgresUrl, scratchPostgres } from './databases.js';
import { PRODUCTION_ENV as PRODUCTION } from './helpers.js';

let dataDir: string;
beforeEach(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'adv-demo-check-'));
});
afterEach(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

const configFor = (env: Record<string, string> = PRODUCTION) =>
  loadConfig({ LOG_LEVEL: 'silent', ...env }, { dataDir, staticRoot: join(dataDir, 'static') });
const ids = async (env?: Record<string, string>, processes?: number) =>
  (await deployReport(configFor(env), processes === undefined ? {} : { processes })).findings.map((f) => f.id);

/** What a deploy does before the check: start the app once (migrations, static files), take a backup. */
async function deploy(env: Record<string, string> = PRODUCTION, options: { backupAt?: Date } = {}) {
  const demo = await createDemo(configFor(env), { processTasks: false });
  await demo.close();
  const db = await openDatabase({ file: join(dataDir, 'board.sqlite3') });
  await backupDatabase(db, join(dataDir, 'backups'), {
    keep: 3,
    ...(options.backupAt ? { now: options.backupAt } : {}),
  });
  await db.close();
}

describe('check --deploy on the demo (npm run check)', () => {
  it('is clean with the production settings once the app has started and a backup exists', async () => {
    await deploy();
    expect(await ids()).toEqual([]);
  });

  it('reports a fresh deployment as it is, changing nothing: no migrations, no static files, no backup', async () => {
    const found = await ids();
    expect(found.sort()).toEqual(['adv.E006', 'adv.E009', 'adv.E010']);
    // The check applied nothing and collected nothing.
    expect(existsSync(join(dataDir, 'board.sqlite3'))).toBe(false);
    expect(existsSync(join(dataDir, 'static'))).toBe(false);
    const report = await deployReport(configFor());
    expect(report.findings.find((f) => f.id === 'adv.E010')?.message).toContain('#1 (authors, articles, comments)');
  });

  it('flags migrations the database has not applied', async () => {
    await deploy();
    const db = new BetterSqlite3(join(dataDir, 'board.sqlite3'));
    db.exec('DELETE FROM schema_migrations');
    db.close();
    expect(await ids()).toEqual(['adv.E010']);
  });

  it('flags a last backup older than BACKUP_MAX_AGE_HOURS', async () => {
    await deploy(PRODUCTION, { backupAt: new Date(Date.now() - 50 * 3600_000) });
    const report = await deployReport(configFor());
    expect(report.findings.map((f) => f.id)).toEqual(['adv.E009']);
    expect(report.findings[0]!.message).toMatch(/last backup is 50 h old, older than the allowed 48 h/);
    expect(await ids({ ...PRODUCTION, BACKUP_MAX_AGE_HOURS: '72' })).toEqual([]);
  });

  it('flags in-memory backends when several processes would run', async () => {
    await deploy();
    const found = await ids(PRODUCTION, 4);
    expect(found.filter((id) => id === 'adv.E001')).toHaveLength(3); // cache, tasks, channel layer
    expect(await ids({ ...PRODUCTION, WORKERS: '2' })).toContain('adv.E001');
  });

  it('flags the development defaults', async () => {
    await deploy({});
    const found = await ids({});
    for (const id of ['security.W018', 'adv.E003', 'adv.W002', 'security.W008']) expect(found).toContain(id);
  });

  // Defined where a PostgreSQL server runs (always in CI: the test setup fails without one).
  if (postgresUrl) {
    it('reads the PostgreSQL database of DATABASE_URL without changing it, and leaves its backups to the server', async () => {
      const scratch = await scratchPostgres(postgresUrl!);
      try {
        const env = { ...PRODUCTION, DATABASE_URL: scratch.url };
        expect(await ids(env)).toContain('adv.E010');
        expect(await ids(env)).toContain('adv.E010'); // still pending: the check applied nothing
        await (await createDemo(configFor(env), { processTasks: false })).close();
        // Started once: migrated, static files collected; no app backups, adv.W008 until silenced.
        expect(await ids(env)).toEqual(['adv.W008']);
        expect(await ids({ ...env, SILENCED_SYSTEM_CHECKS: `${PRODUCTION.SILENCED_SYSTEM_CHECKS},adv.W008` })).toEqual(
          [],
        );
      } finally {
        await scratch.drop();
      }
    });
  }
});

/** The adv-deploy CLI (its bin file), run with node: where npm linked it before the build it is not executable. */
const ADV_DEPLOY = join(dirname(fileURLToPath(import.meta.resolve('@adv/deploy'))), 'bin.js');

describe('npm run check (adv-deploy check --deploy --settings dist/deploy-settings.js)', () => {
  /** Runs the CLI on the built app as CI does; resolves with its exit code and output. */
  const runCheck = (env: Record<string, string>) =>
    new Promise<{ code: number; stdout: string }>((resolve) => {
      execFile(
        process.execPath,
        [ADV_DEPLOY, 'check', '--deploy', '--settings', 'dist/deploy-settings.js'],
        {
          cwd: fromRoot(),
          env: { PATH: process.env.PATH, ...env, DATA_DIR: dataDir, STATIC_ROOT: join(dataDir, 'static') },
          timeout: 60_000,
        },
        (error, stdout) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout }),
      );
    });

  it('exits 1 with the findings on a fresh deployment, 0 once it is ready', async () => {
    const fresh = await runCheck(PRODUCTION);
    expect(fresh.code).toBe(1);
    expect(fresh.stdout).toContain('(adv.E010)');
    expect(fresh.stdout).toContain('(adv.E006)');
    await deploy();
    const ready = await runCheck(PRODUCTION);
    expect(ready.stdout).toContain('System check identified no issues');
    expect(ready.code).toBe(0);
  });
});
