import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { packageDir } from '../scripts/build-templates.mjs';
import { renderApp, type TemplateName } from '../src/index.js';

// Each rendered app's sources typecheck with its own tsconfig (the full install and build are
// the e2e's job): written under packages/create-adv/.tmp so the monorepo's node_modules resolve
// the @adv packages and the template's dependencies without an install.
const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
mkdirSync(join(packageDir, '.tmp'), { recursive: true });
const root = mkdtempSync(join(packageDir, '.tmp', 'typecheck-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

// tsc over a whole app is pure CPU: about 10 s on a quiet 2-core machine, but 65 s and 133 s in
// a CI run whose other suites (and other work on the machine) kept both cores busy. The bound is
// there to stop a hang, not to time tsc.
const TSC_BOUND_MS = 10 * 60_000;

describe.each(['minimal', 'board'] as TemplateName[])('the %s app', (template) => {
  it('typechecks with its own tsconfig (strict, NodeNext)', { timeout: TSC_BOUND_MS + 30_000 }, () => {
    const dir = join(root, template);
    for (const [path, content] of renderApp({
      name: `typecheck-${template}`,
      template,
      backends: { redis: true, postgres: true },
    })) {
      mkdirSync(dirname(join(dir, path)), { recursive: true });
      writeFileSync(join(dir, path), content);
    }
    const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.json', '--noEmit'], {
      cwd: dir,
      encoding: 'utf8',
      timeout: TSC_BOUND_MS,
    });
    expect(result.error).toBeUndefined();
    expect(result.stdout + result.stderr).toBe('');
    expect(result.status).toBe(0);
  });
});
