import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  boardDescriptor,
  boardFiles,
  boardReadmeBody,
  demoDir,
  findMonorepoMarkers,
  MONOREPO_ONLY,
  packageDir,
  REWRITES,
  repoDir,
  sharedConfig,
} from '../scripts/build-templates.mjs';

// The board template is apps/demo itself, generated at build time (npm run build): these tests
// fail when the shipped template (dist/templates/board) is not what apps/demo gives today.
const built = join(packageDir, 'dist', 'templates', 'board');
const shippedName = (rel: string) => (rel === '.gitignore' ? '_gitignore' : rel);

function walk(dir: string, base = dir): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = join(dir, entry.name);
    return entry.isDirectory() ? walk(full, base) : [relative(base, full).split(sep).join('/')];
  });
}

describe('the board template', () => {
  it('is built (npm run build --workspace create-adv)', () => {
    expect(existsSync(join(built, 'template.json'))).toBe(true);
  });

  it('holds exactly the files apps/demo gives today, byte for byte', () => {
    const expected = boardFiles() as [string, string | Buffer][];
    expect(walk(join(built, 'files')).sort()).toEqual(expected.map(([rel]) => shippedName(rel)).sort());
    for (const [rel, content] of expected) {
      expect(readFileSync(join(built, 'files', shippedName(rel))).equals(Buffer.from(content)), rel).toBe(true);
    }
    expect(JSON.parse(readFileSync(join(built, 'template.json'), 'utf8'))).toEqual(boardDescriptor());
    expect(readFileSync(join(built, 'README.body.md'), 'utf8')).toBe(
      boardReadmeBody(readFileSync(join(demoDir, 'README.md'), 'utf8')),
    );
    expect(JSON.parse(readFileSync(join(packageDir, 'dist', 'templates', 'shared.json'), 'utf8'))).toEqual(
      sharedConfig(),
    );
  });

  it('is every apps/demo source file except the monorepo-only ones, changed only by the listed rewrites', () => {
    const tracked = walk(demoDir).filter(
      (rel) =>
        !/(^|\/)(node_modules|dist|data|\.turbo|test-artifacts)\//.test(rel) &&
        !rel.endsWith('.test-results.json') &&
        ![...MONOREPO_ONLY].some((skip: string) => rel === skip || rel.startsWith(`${skip}/`)),
    );
    const files = new Map(boardFiles() as [string, string | Buffer][]);
    expect([...files.keys()].sort()).toEqual(tracked.sort());
    for (const rel of tracked) {
      let source = readFileSync(join(demoDir, rel)).toString('utf8');
      for (const [pattern, replacement] of REWRITES as [RegExp, string][])
        source = source.replace(pattern, replacement);
      expect(String(files.get(rel)), rel).toBe(source);
    }
    expect(files.has('test/fault-injection.test.ts')).toBe(false);
    expect([...files.keys()].filter((path) => path.startsWith('scripts/'))).toEqual([]);
  });

  it('keeps the demo package.json and tsconfig, minus the monorepo', () => {
    const demo = JSON.parse(readFileSync(join(demoDir, 'package.json'), 'utf8'));
    const descriptor = boardDescriptor();
    const { screenshots: _screenshots, ...scripts } = demo.scripts;
    expect(descriptor.scripts).toEqual(scripts);
    expect(descriptor.devDependencies).toEqual(demo.devDependencies);
    expect(Object.keys(descriptor.dependencies).concat(descriptor.adv).sort()).toEqual(
      Object.keys(demo.dependencies).sort(),
    );
    expect(descriptor.tsconfig.extends).toBeUndefined();
  });

  it('names nothing that only works in the monorepo', () => {
    const texts = (boardFiles() as [string, string | Buffer][]).filter(
      (entry): entry is [string, string] => typeof entry[1] === 'string',
    );
    texts.push(['README.body.md', readFileSync(join(built, 'README.body.md'), 'utf8')]);
    expect(findMonorepoMarkers(texts)).toEqual([]);
    // and the check itself catches them
    expect(findMonorepoMarkers([['a.md', 'see apps/demo and ../../packages/x']])).toHaveLength(2);
  });

  it('takes the @adv versions from the packages', () => {
    const shared = sharedConfig();
    for (const name of ['async', 'cache', 'deploy', 'i18n', 'signals', 'tasks', 'types']) {
      const manifest = JSON.parse(readFileSync(join(repoDir, 'packages', name, 'package.json'), 'utf8'));
      expect(shared.advVersions[manifest.name]).toBe(manifest.version);
    }
    expect(Object.keys(shared.advVersions)).not.toContain('create-adv');
  });
});
