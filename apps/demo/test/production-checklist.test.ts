import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { checkDeploy } from '@adv/deploy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDemo } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import { backupDatabase } from '../src/db/backup.js';
import { openDatabase } from '../src/db/database.js';
import { inspectDeployment } from '../src/deploy-check.js';
import { fromRoot } from '../src/paths.js';
import { PRODUCTION_ENV as PRODUCTION } from './helpers.js';

const checklist = readFileSync(fromRoot('PRODUCTION.md'), 'utf8');
/** The checklist's lines, each `- [ ] …` item with its continuation lines. */
const items = checklist
  .split(/\n(?=- \[ \] )/)
  .filter((chunk) => chunk.startsWith('- [ ] '))
  .map((chunk) => chunk.split(/\n(?!\s)/)[0]!);
const CHECK_ID = /\b(?:security|adv)\.[EW]\d{3}\b/g;
const mentioned = [...new Set(checklist.match(CHECK_ID) ?? [])].sort();

/** For each settings check the checklist names: a bad value that must fire it. */
const BAD_SETTINGS: Record<string, Record<string, string>> = {
  'security.W018': { DEBUG: 'true' },
  'security.W009': { SECRET_KEY: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' },
  'adv.E003': { SECRET_KEY: 'dev-only-insecure-key:the-demo-refuses-it-when-debug-is-off' },
  'adv.W011': { ALLOWED_HOSTS: '*' },
  'adv.E015': { ALLOWED_HOSTS: 'https://board.example.com/' },
  // What the app falls back to when ALLOWED_HOSTS is unset with DEBUG off (test/config.test.ts).
  'adv.W020': { ALLOWED_HOSTS: 'localhost,127.0.0.1,[::1]' },
  'adv.W002': { NODE_ENV: 'development' },
  'adv.W016': { CSRF_TRUSTED_ORIGINS: 'https://forms.example.com/' },
  'adv.W014': { SECURE_PROXY_SSL_HEADER: '' },
  'security.W008': { SECURE_SSL_REDIRECT: 'false' },
  'security.W004': { SECURE_HSTS_SECONDS: '0' },
  'adv.W012': { SECURE_HSTS_PRELOAD: 'true' },
  'security.W005': { SILENCED_SYSTEM_CHECKS: 'security.W021' },
  'security.W021': { SILENCED_SYSTEM_CHECKS: 'security.W005' },
  'security.W010': { SESSION_COOKIE_SECURE: 'false' },
  'adv.W024': { MEDIA_MAX_UPLOAD_BYTES: '0' },
  'adv.E022': { MEDIA_URL: '/static/' },
  'adv.E021': { MEDIA_ROOT: fromRoot('dist', 'static', 'media') },
};
/** The checks about the deployment rather than a setting, each fired in its own test. */
const TESTED_ELSEWHERE: Record<string, string> = {
  'adv.E001': 'test/deploy-check.test.ts (processes)',
  'adv.E006': 'test/deploy-check.test.ts (fresh deployment)',
  'adv.E009': 'test/deploy-check.test.ts (stale backup)',
  'adv.E010': 'test/deploy-check.test.ts (migrations)',
  'security.W001': 'below (middleware removed)',
  'security.W003': 'below (middleware removed)',
  'adv.W005': 'below (no health)',
  'adv.W007': 'below (static sources newer)',
  'adv.W008': 'below (no backups)',
  'security.W020': 'settings: an empty ALLOWED_HOSTS does not load (SettingsError)',
};

/** Every check id @adv/deploy defines, read from its built checks. */
function definedIds(): Set<string> {
  const checksDir = join(dirname(fileURLToPath(import.meta.resolve('@adv/deploy'))), 'checks');
  const ids = new Set<string>();
  for (const name of readdirSync(checksDir).filter((n) => n.endsWith('.js'))) {
    for (const id of readFileSync(join(checksDir, name), 'utf8').match(CHECK_ID) ?? []) ids.add(id);
  }
  return ids;
}

describe('PRODUCTION.md', () => {
  let dataDir: string;
  beforeAll(async () => {
    // A deployed app: started once (migrations, static files) and backed up.
    dataDir = mkdtempSync(join(tmpdir(), 'adv-demo-checklist-'));
    const demo = await createDemo(configFor(), { processTasks: false });
    await demo.close();
    const db = await openDatabase({ file: join(dataDir, 'board.sqlite3') });
    await backupDatabase(db, join(dataDir, 'backups'), { keep: 1 });
    await db.close();
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  function configFor(env: Record<string, string> = {}) {
    // As `npm run check` reads them: a weak key loads, to be reported.
    return loadConfig(
      { ...PRODUCTION, ...env },
      { dataDir, staticRoot: join(dataDir, 'static') },
      { allowWeakSecretKey: true },
    );
  }
  const findings = async (env: Record<string, string> = {}) =>
    (await checkDeploy(configFor(env).settings, await inspectDeployment(configFor(env)))).map((f) => f.id);

  it('ties every line to a check id, a command or a test', () => {
    expect(items.length).toBeGreaterThan(15);
    const tied = (item: string) =>
      /\b(?:security|adv)\.[EW]\d{3}\b/.test(item) ||
      /`(?:npm|npx|curl|nginx|docker|node) [^`]+`/.test(item) ||
      /`test\/[\w-]+\.test\.ts`/.test(item);
    expect(items.filter((item) => !tied(item))).toEqual([]);
    expect(tied('- [ ] Have a good time `somewhere`')).toBe(false);
  });

  it('names only checks @adv/deploy has, and each is verified by a test', () => {
    const known = definedIds();
    expect(mentioned.filter((id) => !known.has(id))).toEqual([]);
    expect(mentioned.filter((id) => !(id in BAD_SETTINGS) && !(id in TESTED_ELSEWHERE))).toEqual([]);
  });

  it('is clean with the settings it asks for', async () => {
    expect(await findings()).toEqual([]);
  });

  it.each(Object.entries(BAD_SETTINGS))('%s fires on a bad setting', async (id, env) => {
    expect(await findings(env)).toContain(id);
  });

  it('fires the middleware, health and backup checks when they are missing', async () => {
    const config = configFor();
    const context = await inspectDeployment(config);
    const without = (name: string) => ({
      ...context,
      middleware: context.middleware!.filter((m) => (m as { name?: string }).name !== name),
    });
    const ids = async (ctx: typeof context) => (await checkDeploy(config.settings, ctx)).map((f) => f.id);
    expect(await ids(without('securityMiddleware'))).toContain('security.W001');
    expect(await ids(without('csrfMiddleware'))).toContain('security.W003');
    expect(await ids({ ...context, health: undefined })).toContain('adv.W005');
    expect(await ids({ ...context, backup: undefined })).toContain('adv.W008');
    // A static source edited after the last collect: a rebuild was forgotten.
    const sources = join(dataDir, 'edited-static');
    mkdirSync(sources);
    writeFileSync(join(sources, 'app.css'), 'body { color: red }');
    utimesSync(join(sources, 'app.css'), new Date(Date.now() + 60_000), new Date(Date.now() + 60_000));
    expect(await ids(context)).not.toContain('adv.W007');
    expect(await ids({ ...context, static: { root: config.staticRoot, sourceDir: sources } })).toContain('adv.W007');
  });
});
