import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findMonorepoMarkers, repoDir } from '../scripts/build-templates.mjs';
import { type Backends, renderApp, type TemplateName } from '../src/index.js';
import { caught, tempDir } from './helpers.js';

const CHOICES: [TemplateName, Backends][] = [];
for (const template of ['minimal', 'board'] as const) {
  for (const redis of [false, true])
    for (const postgres of [false, true]) CHOICES.push([template, { redis, postgres }]);
}
const label = (b: Backends) =>
  [b.redis ? 'redis' : '', b.postgres ? 'postgres' : ''].filter(Boolean).join('+') || 'embedded';
const text = (files: Map<string, string | Buffer>, path: string) => {
  const content = files.get(path);
  if (content === undefined) throw new Error(`no ${path} among ${[...files.keys()].join(', ')}`);
  return String(content);
};
const versionOf = (name: string) =>
  JSON.parse(readFileSync(join(repoDir, 'packages', name, 'package.json'), 'utf8')).version as string;
const rootManifest = JSON.parse(readFileSync(join(repoDir, 'package.json'), 'utf8'));
const baseTsconfig = JSON.parse(readFileSync(join(repoDir, 'tsconfig.base.json'), 'utf8'));

describe.each(CHOICES)('renderApp: %s template, backends %o', (template, backends) => {
  const files = renderApp({ name: 'my-app', template, backends });
  const manifest = JSON.parse(text(files, 'package.json'));

  it('writes the app files, its own config and no monorepo file', () => {
    for (const path of [
      'package.json',
      'tsconfig.json',
      'biome.json',
      'vitest.config.ts',
      '.gitignore',
      '.env.example',
      'README.md',
      '.github/workflows/ci.yml',
      '.github/workflows/release.yml',
      '.changeset/config.json',
      'src/main.ts',
      'src/app.ts',
      'src/deploy-settings.ts',
      'locales/en.json',
      'locales/pt-BR.json',
    ]) {
      expect(files.has(path), path).toBe(true);
    }
    for (const path of files.keys()) {
      expect(path).not.toMatch(/^(node_modules|dist|data|scripts|test-artifacts)\/|_gitignore$|\.turbo|tsbuildinfo/);
    }
    expect(files.has('test/fault-injection.test.ts')).toBe(false);
    expect(text(files, '.gitignore').split('\n')).toEqual(expect.arrayContaining(['node_modules/', 'dist/', '.env']));
  });

  it('leaves no path or name that only works in the monorepo', () => {
    const texts = [...files].filter((entry): entry is [string, string] => typeof entry[1] === 'string');
    expect(findMonorepoMarkers(texts)).toEqual([]);
    expect(text(files, 'README.md')).not.toContain('-w @adv/demo');
  });

  it('writes a package.json with the published @adv versions, the dev tools and allowScripts', () => {
    expect(manifest.name).toBe('my-app');
    expect(manifest.private).toBe(true);
    expect(manifest.type).toBe('module');
    expect(manifest.engines.node).toBe(template === 'minimal' ? '>=20.12' : rootManifest.engines.node);
    const adv = Object.entries(manifest.dependencies as Record<string, string>).filter(([n]) => n.startsWith('@adv/'));
    expect(adv.length).toBeGreaterThanOrEqual(template === 'board' ? 7 : 6);
    for (const [name, spec] of adv) expect(spec).toBe(`^${versionOf(name.slice(5))}`);
    for (const tool of ['typescript', 'vitest', '@biomejs/biome', '@types/node', '@changesets/cli']) {
      expect(manifest.devDependencies[tool]).toBe(rootManifest.devDependencies[tool]);
    }
    expect(manifest.allowScripts.esbuild).toBe(true);
    expect(manifest.allowScripts['better-sqlite3']).toBe(template === 'board' ? true : undefined);
    expect(Object.keys(manifest.scripts)).toEqual(expect.arrayContaining(['build', 'start', 'test', 'lint', 'check']));
    expect(manifest.scripts.screenshots).toBeUndefined();
    expect(JSON.stringify(manifest)).not.toMatch(/workspace:|file:/);
    if (template === 'minimal') {
      expect(manifest.dependencies['@keyv/redis'] !== undefined).toBe(backends.redis);
      expect(manifest.dependencies.pg !== undefined).toBe(backends.postgres);
      expect(manifest.dependencies['better-sqlite3']).toBeUndefined();
    } else {
      expect(manifest.dependencies['better-sqlite3']).toMatch(/^\^12\./);
    }
  });

  it('inlines the base tsconfig (strict, NodeNext) and the Biome settings', () => {
    const tsconfig = JSON.parse(text(files, 'tsconfig.json'));
    expect(tsconfig.extends).toBeUndefined();
    expect(tsconfig.compilerOptions).toMatchObject({ ...baseTsconfig.compilerOptions, rootDir: 'src', outDir: 'dist' });
    const biome = JSON.parse(text(files, 'biome.json'));
    expect(biome.overrides).toBeUndefined();
    expect(biome.vcs).toBeUndefined();
    expect(biome.files.includes).toEqual(expect.arrayContaining(['!**/dist', '!**/node_modules', '!**/data']));
  });

  it('writes .env.example, the README section and the CI services for the backends chosen', () => {
    const env = text(files, '.env.example');
    expect(env.includes('\nREDIS_URL=redis://')).toBe(backends.redis);
    expect(env.includes('\n# REDIS_URL=redis://')).toBe(!backends.redis);
    expect(env.includes('\nDATABASE_URL=postgres://')).toBe(backends.postgres);
    expect(env.includes('\n# DATABASE_URL=postgres://')).toBe(!backends.postgres);
    const readme = text(files, 'README.md');
    expect(readme).toMatch(/^# my-app\n/);
    expect(readme).toContain('npm create adv@latest');
    const section = readme.slice(
      readme.indexOf('## Backends'),
      readme.indexOf('\n## ', readme.indexOf('## Backends') + 3),
    );
    expect(section.includes('Embedded: nothing to install')).toBe(!backends.redis && !backends.postgres);
    expect(section.includes('`REDIS_URL=redis://')).toBe(backends.redis);
    expect(section.includes('`DATABASE_URL=postgres://')).toBe(backends.postgres);
    const ci = text(files, '.github/workflows/ci.yml');
    const services = ci.slice(ci.indexOf('services:'), ci.indexOf('steps:'));
    if (template === 'board') {
      // the board's own test suite runs on PostgreSQL and Redis: its workflow starts both always
      expect(services).toContain('image: redis:7');
      expect(services).toContain('image: postgres:16');
    } else {
      expect(ci.includes('image: redis:7')).toBe(backends.redis);
      expect(ci.includes('image: postgres:16')).toBe(backends.postgres);
      expect(ci.includes('services:')).toBe(backends.redis || backends.postgres);
      expect(ci).toContain('run: npm run check');
    }
  });

  it(`renders the same ${label(backends)} app every time`, () => {
    const again = renderApp({ name: 'my-app', template, backends });
    expect([...again.keys()]).toEqual([...files.keys()]);
    for (const [path, content] of again)
      expect(Buffer.compare(Buffer.from(content), Buffer.from(files.get(path)!))).toBe(0);
  });
});

describe('renderApp: --adv-source and options', () => {
  const dir = tempDir('render');

  it('points the @adv dependencies at the tarballs of a folder', () => {
    const source = join(dir, 'tgz');
    mkdirSync(source);
    for (const name of ['async', 'cache', 'deploy', 'i18n', 'signals', 'tasks', 'types']) {
      writeFileSync(join(source, `adv-${name}-${versionOf(name)}.tgz`), '');
    }
    const manifest = JSON.parse(
      String(renderApp({ name: 'x', template: 'board', advSource: source }).get('package.json')),
    );
    expect(manifest.dependencies['@adv/cache']).toBe(`file:${join(source, `adv-cache-${versionOf('cache')}.tgz`)}`);
    expect(manifest.dependencies.liquidjs).toMatch(/^\^10/);
  });

  it('refuses a folder without the tarball of a needed package', async () => {
    const source = join(dir, 'partial');
    mkdirSync(source);
    writeFileSync(join(source, 'adv-cache-0.0.1.tgz'), '');
    const error = await caught(() => renderApp({ name: 'x', advSource: source }));
    expect(error.code).toBe('ERR_ADV_SOURCE');
    expect(error.message).toContain(`has no adv-async-${versionOf('async')}.tgz`);
    expect(error.message).toContain('it holds: adv-cache-0.0.1.tgz');
    expect((await caught(() => renderApp({ name: 'x', advSource: join(dir, 'nowhere') }))).code).toBe('ERR_ADV_SOURCE');
  });

  it('validates its options', async () => {
    expect((await caught(() => renderApp({ name: 'Bad Name' }))).code).toBe('ERR_INVALID_NAME');
    const unknown = await caught(() => renderApp({ name: 'x', templat: 'board' } as never));
    expect(unknown.code).toBe('ERR_INVALID_OPTION');
    expect(unknown.message).toContain('templat');
    const template = await caught(() => renderApp({ name: 'x', template: 'huge' as never }));
    expect(template.message).toBe('Expected `template` to be one of board, minimal, got `huge`');
    const backend = await caught(() => renderApp({ name: 'x', backends: { mysql: true } as never }));
    expect(backend.code).toBe('ERR_INVALID_OPTION');
    expect(backend.message).toContain('backends.mysql');
    const notBool = await caught(() => renderApp({ name: 'x', backends: { redis: 'yes' } as never }));
    expect(notBool.message).toBe('Expected `backends.redis` to be a boolean, got `yes` (string)');
    // an explicit undefined keeps the default
    expect(renderApp({ name: 'x', template: undefined, backends: undefined }).has('src/tasks.ts')).toBe(true);
  });
});
