import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createApp, installApp } from '../src/index.js';
import { caught, tempDir } from './helpers.js';

const dir = tempDir('create');

describe('createApp', () => {
  it('writes the app into a new folder, with git init and without install', async () => {
    const lines: string[] = [];
    const target = join(dir, 'shop');
    const result = await createApp({
      directory: target,
      name: 'shop',
      template: 'minimal',
      backends: { redis: true },
      install: false,
      log: (line) => lines.push(line),
    });
    expect(result.directory).toBe(target);
    expect(result.installed).toBe(false);
    expect(result.git.initialized).toBe(true);
    expect(result.files).toContain('src/main.ts');
    expect(JSON.parse(readFileSync(join(target, 'package.json'), 'utf8')).name).toBe('shop');
    expect(existsSync(join(target, '.gitignore'))).toBe(true);
    expect(existsSync(join(target, '_gitignore'))).toBe(false);
    expect(existsSync(join(target, 'node_modules'))).toBe(false);
    // every file is in git (committed, or staged when git has no identity here)
    const tracked = execFileSync('git', ['ls-files', '--cached'], { cwd: target, encoding: 'utf8' }).trim().split('\n');
    expect(tracked.sort()).toEqual([...result.files].sort());
    expect(lines[0]).toBe(`writing ${result.files.length} files to ${target}`);
  });

  it('writes into an existing empty folder; --no-git leaves git out', async () => {
    const target = join(dir, 'empty');
    mkdirSync(target);
    const result = await createApp({ directory: target, name: 'empty', template: 'board', install: false, git: false });
    expect(result.git).toEqual({ initialized: false, committed: false });
    expect(existsSync(join(target, '.git'))).toBe(false);
    expect(existsSync(join(target, 'src', 'app.ts'))).toBe(true);
  });

  it('refuses a non-empty folder and writes nothing', async () => {
    const target = join(dir, 'busy');
    mkdirSync(target);
    writeFileSync(join(target, 'notes.txt'), 'mine');
    const error = await caught(() => createApp({ directory: target, name: 'busy', install: false, git: false }));
    expect(error.code).toBe('ERR_TARGET_NOT_EMPTY');
    expect(error.message).toBe(
      `${target} is not empty (notes.txt): create-adv writes only into a new or empty folder. Pick another name, or empty it first.`,
    );
    expect(existsSync(join(target, 'package.json'))).toBe(false);
    const file = join(dir, 'a-file');
    writeFileSync(file, '');
    expect((await caught(() => createApp({ directory: file, name: 'a-file', install: false }))).message).toBe(
      `${file} exists and is not a folder: pick another name`,
    );
  });

  it('refuses an invalid name before writing anything', async () => {
    const target = join(dir, 'Bad');
    const error = await caught(() => createApp({ directory: target, name: 'Bad Name', install: false, git: false }));
    expect(error.code).toBe('ERR_INVALID_NAME');
    expect(existsSync(target)).toBe(false);
  });

  it('validates its options', async () => {
    expect((await caught(() => createApp({ directory: '', name: 'x' }))).message).toBe(
      'Expected `directory` to be a non-empty string, got ``',
    );
    const unknown = await caught(() => createApp({ directory: join(dir, 'u'), name: 'x', instal: false } as never));
    expect(unknown.code).toBe('ERR_INVALID_OPTION');
  });
});

describe('installApp', () => {
  it('reports a failed npm install with npm’s own words', async () => {
    // A real npm install that fails at once, offline: a dependency on a tarball that is not one.
    const target = join(dir, 'broken');
    mkdirSync(target);
    writeFileSync(join(target, 'bad.tgz'), 'not a tarball');
    writeFileSync(
      join(target, 'package.json'),
      JSON.stringify({ name: 'broken', version: '1.0.0', dependencies: { bad: 'file:./bad.tgz' } }),
    );
    const error = await caught(() => installApp(target));
    expect(error.code).toBe('ERR_INSTALL_FAILED');
    expect(error.message).toMatch(
      new RegExp(`^npm install failed in ${target} \\(exit code \\d+\\)\\. The app's files are written`),
    );
    expect(error.message).toContain('TAR_BAD_ARCHIVE');
    expect(error.cause).toBeInstanceOf(Error);
    // npm's start-up is most of it: ~4 s on a quiet machine, 51 s of the former 60 s bound in a CI
    // run with every suite at once on 2 cores. The bound stops a hang; it does not time npm.
  }, 300_000);
});
