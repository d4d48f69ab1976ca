import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';

// DESIGN.md's one rule: a package may import @adv/types, never another @adv package.
// `npm run lint` runs scripts/check-boundaries.mjs on the repo; this proves it fails on a breach.
const checker = new URL('../../../scripts/check-boundaries.mjs', import.meta.url).pathname;
const trees: string[] = [];

function fixtureTree(packages: Record<string, { manifest?: object; source: string }>): string {
  const root = mkdtempSync(join(tmpdir(), 'adv-boundaries-'));
  trees.push(root);
  for (const [name, { manifest = {}, source }] of Object.entries(packages)) {
    mkdirSync(join(root, 'packages', name, 'src'), { recursive: true });
    writeFileSync(join(root, 'packages', name, 'package.json'), JSON.stringify({ name: `@adv/${name}`, ...manifest }));
    writeFileSync(join(root, 'packages', name, 'src', 'index.ts'), source);
  }
  return root;
}

function check(root: string) {
  const run = spawnSync(process.execPath, [checker, '--root', root], { encoding: 'utf8' });
  return { status: run.status, output: run.stdout + run.stderr };
}

afterEach(() => {
  for (const root of trees.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('the package boundary rule', () => {
  it('passes a tree whose packages import only @adv/types and themselves', () => {
    const root = fixtureTree({
      types: { source: 'export type Handler = () => void;\n' },
      cache: {
        manifest: { dependencies: { '@adv/types': '*' } },
        source: "import type { Handler } from '@adv/types';\nexport { x } from '@adv/cache/liquid';\n",
      },
    });
    expect(check(root)).toMatchObject({ status: 0 });
  });

  it('fails on a static import of another @adv package, naming the file and line', () => {
    const root = fixtureTree({
      cache: { source: "\nimport { signal } from '@adv/signals';\n" },
      signals: { source: 'export const signal = 1;\n' },
    });
    const result = check(root);
    expect(result.status).toBe(1);
    expect(result.output).toContain('packages/cache/src/index.ts:2: imports @adv/signals');
  });

  it('fails on a dynamic import and on a dependency listed in package.json', () => {
    const root = fixtureTree({
      tasks: {
        manifest: { peerDependencies: { '@adv/cache': '*' } },
        source: "export const load = () => import('@adv/i18n');\n",
      },
    });
    const result = check(root);
    expect(result.status).toBe(1);
    expect(result.output).toContain('imports @adv/i18n');
    expect(result.output).toContain('peerDependencies lists @adv/cache');
  });
});
