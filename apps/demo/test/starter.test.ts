import { execFile } from 'node:child_process';
import { existsSync, lstatSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify, stripVTControlCharacters } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, installStarter, packPackages, startStarter, writeStarter } from '../scripts/starter.mjs';
import { fromRoot } from '../src/paths.js';

const exec = promisify(execFile);

/**
 * The README's "copy it as a starter" steps, end to end: the app copied out of the monorepo,
 * the @adv/* packages installed from their packed tarballs, built, `npm start`ed, GET /.
 * better-sqlite3 is not recompiled (the monorepo's compiled module is copied in, same version):
 * `npm run check:starter` does the full install.
 */
describe('apps/demo copied out as a starter', () => {
  const work = mkdtempSync(join(tmpdir(), 'adv-demo-starter-'));
  // The copy holds an installed node_modules: removing it can take long on a busy machine.
  afterAll(() => rmSync(work, { recursive: true, force: true }), 120_000);

  it('installs from the packed tarballs, builds, starts with npm start and serves its pages', async () => {
    const native = fromRoot('..', '..', 'node_modules', 'better-sqlite3');
    const version = JSON.parse(readFileSync(join(native, 'package.json'), 'utf8')).version as string;
    const target = join(work, 'board');
    const manifest = writeStarter(target, await packPackages(join(work, 'tarballs')), {
      pinned: { 'better-sqlite3': version },
    });
    // Nothing points back into the monorepo.
    expect(JSON.stringify(manifest)).not.toContain('workspace:');
    expect(readFileSync(join(target, 'tsconfig.json'), 'utf8')).not.toContain('extends');
    for (const [name, spec] of Object.entries(manifest.dependencies)) {
      if (name.startsWith('@adv/')) expect(spec).toMatch(/^file:.*\.tgz$/);
    }

    await installStarter(target, { reuseNativeFrom: native });
    // The installed @adv packages are the tarballs' copies, not links to packages/.
    for (const name of ['async', 'cache', 'deploy', 'i18n', 'signals', 'tasks', 'types']) {
      const installed = join(target, 'node_modules', '@adv', name);
      expect(lstatSync(installed).isSymbolicLink()).toBe(false);
      expect(existsSync(join(installed, 'dist', 'index.js'))).toBe(true);
    }
    expect(existsSync(join(target, 'dist', 'static', 'staticfiles.json'))).toBe(true); // collected at build

    // The CI workflow's steps work in the copy: lint, and tests (a few suites: the whole run is
    // the monorepo's), among them the deploy check through its own adv-deploy.
    await exec('git', ['init', '--quiet'], { cwd: target });
    await exec('npm', ['run', 'lint'], { cwd: target });
    const tests = await exec(
      'npx',
      [
        'vitest',
        'run',
        'test/config.test.ts',
        'test/catalogs.test.ts',
        'test/workflows.test.ts',
        'test/deploy-check.test.ts',
      ],
      { cwd: target, env: { ...process.env, CI: '', REDIS_URL: '', NO_COLOR: '1', FORCE_COLOR: '0' } },
    );
    expect(stripVTControlCharacters(tests.stdout)).toMatch(/Test Files\s+4 passed \(4\)/);
    expect(existsSync(join(target, 'test', 'starter.test.ts'))).toBe(false);

    const port = await freePort();
    const app = await startStarter(target, { PORT: String(port), DATA_DIR: join(work, 'data'), LOG_LEVEL: 'info' });
    try {
      expect(app.url).toBe(`http://127.0.0.1:${port}`);
      const page = await fetch(`${app.url}/`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Welcome to the adv board');
      expect((await fetch(`${app.url}/pt-br/`)).headers.get('content-language')).toBe('pt-BR');
      expect((await fetch(`${app.url}/readyz`)).status).toBe(200);
    } finally {
      await app.stop();
    }
    // SIGTERM (to npm and the app, as a terminal's Ctrl-C would) shut it down gracefully.
    expect(app.output()).toContain('"msg":"shutting down"');
    expect(app.output()).not.toMatch(/"level":(50|60)/);
  }, 600_000);
});
