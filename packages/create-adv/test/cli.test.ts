import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageDir } from '../scripts/build-templates.mjs';
import { USAGE } from '../src/index.js';
import { tempDir } from './helpers.js';

// The built bin, as npm runs it: no terminal here, so no prompts.
const bin = join(packageDir, 'dist', 'cli.js');
const dir = tempDir('cli');
const cli = (...args: string[]) => {
  const result = spawnSync(process.execPath, [bin, ...args], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CREATE_ADV_SOURCE: '' },
  });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
};

describe('the create-adv bin', () => {
  it('prints its usage and version', () => {
    expect(cli('--help')).toEqual({ code: 0, stdout: `${USAGE}\n`, stderr: '' });
    const version = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8')).version;
    expect(cli('--version').stdout).toBe(`${version}\n`);
  });

  it('creates an app from flags alone, and says what to do next', () => {
    const { code, stdout, stderr } = cli('flags-app', '--template', 'board', '--postgres', '--no-install', '--no-git');
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('flags-app is ready (board template');
    expect(stdout).toContain('cd flags-app\n  npm install\n  npm run build\n  npm start');
    expect(readFileSync(join(dir, 'flags-app', '.env.example'), 'utf8')).toContain('\nDATABASE_URL=postgres://');
    expect(existsSync(join(dir, 'flags-app', '.git'))).toBe(false);
  });

  it('uses the defaults with --yes', () => {
    expect(cli('--yes', '--no-install', '--no-git').code).toBe(0);
    expect(JSON.parse(readFileSync(join(dir, 'my-adv-app', 'package.json'), 'utf8')).description).toMatch(
      /^A small app/,
    );
  });

  it.each([
    [
      ['Bad Name', '--yes'],
      '"Bad Name" is not a valid npm package name: name can only contain URL-friendly characters',
    ],
    [['--template', 'huge', 'x'], 'Unknown template "huge"'],
    [[], 'No directory given and no terminal to ask'],
    [['x', '--adv-source', '/no/such/dir', '--no-install'], '--adv-source /no/such/dir cannot be read'],
  ])('exits 1 with a clear message for %j', (args, message) => {
    const { code, stdout, stderr } = cli(...args);
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(`create-adv: `);
    expect(stderr).toContain(message);
    expect(stderr).not.toMatch(/\n\s+at /); // a message, not a stack
  });

  it('exits 1 on a non-empty folder', () => {
    mkdirSync(join(dir, 'taken'));
    writeFileSync(join(dir, 'taken', 'a.txt'), '');
    const { code, stderr } = cli('taken', '--yes', '--no-install');
    expect(code).toBe(1);
    expect(stderr).toBe(
      `create-adv: ${join(dir, 'taken')} is not empty (a.txt): create-adv writes only into a new or empty folder. Pick another name, or empty it first.\n`,
    );
  });
});
