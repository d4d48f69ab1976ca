import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { CreateAdvError } from './errors.js';
import { type CreateOptions, resolveCreateOptions } from './options.js';
import { renderApp } from './render.js';

/** What {@link createApp} did. */
export interface CreateResult {
  /** Absolute path of the new app. */
  directory: string;
  /** Relative paths of the files written. */
  files: string[];
  /** Whether `git init` ran and whether the first commit was made. */
  git: { initialized: boolean; committed: boolean };
  /** Whether `npm install` ran (and succeeded). */
  installed: boolean;
}

interface RunResult {
  code: number | null;
  output: string;
  error?: Error;
}

/** Runs a command, keeping its combined output (never rejects). */
function run(command: string, args: string[], cwd: string): Promise<RunResult> {
  return new Promise((done) => {
    let output = '';
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'], env: process.env });
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      output += chunk.toString('utf8');
    });
    child.once('error', (error) => done({ code: null, output, error }));
    child.once('close', (code) => done({ code, output }));
  });
}

const tail = (text: string, lines = 25) => text.trimEnd().split('\n').slice(-lines).join('\n');

/** Throws `ERR_TARGET_NOT_EMPTY` unless `directory` is missing or empty. */
export function assertEmptyTarget(directory: string): void {
  if (!existsSync(directory)) return;
  if (!statSync(directory).isDirectory()) {
    throw new CreateAdvError('ERR_TARGET_NOT_EMPTY', `${directory} exists and is not a folder: pick another name`);
  }
  const entries = readdirSync(directory);
  if (entries.length > 0) {
    const shown = entries.slice(0, 5).join(', ') + (entries.length > 5 ? `, … (${entries.length} entries)` : '');
    throw new CreateAdvError(
      'ERR_TARGET_NOT_EMPTY',
      `${directory} is not empty (${shown}): create-adv writes only into a new or empty folder. Pick another name, or empty it first.`,
    );
  }
}

/** Runs `npm install` in `directory`; throws `ERR_INSTALL_FAILED` with npm's last lines. */
export async function installApp(directory: string): Promise<void> {
  const result = await run('npm', ['install', '--no-audit', '--no-fund'], directory);
  if (result.code !== 0) {
    const why = result.error ? result.error.message : `exit code ${result.code}`;
    throw new CreateAdvError(
      'ERR_INSTALL_FAILED',
      `npm install failed in ${directory} (${why}). The app's files are written: fix the cause below, then run \`npm install\` there.\n${tail(result.output)}`,
      { cause: result.error ?? new Error(result.output) },
    );
  }
}

/** `git init` (branch main), `git add -A`, and a first commit when git has an identity configured. */
async function initGit(directory: string, log: (line: string) => void): Promise<CreateResult['git']> {
  const init = await run('git', ['init', '--quiet', '--initial-branch=main'], directory);
  if (init.code !== 0) {
    log(`git init failed (${init.error?.message ?? tail(init.output, 3)}): skipped; the app works without it`);
    return { initialized: false, committed: false };
  }
  const add = await run('git', ['add', '-A'], directory);
  if (add.code !== 0)
    throw new CreateAdvError('ERR_GIT_FAILED', `git add failed in ${directory}:\n${tail(add.output)}`);
  const identity = await run('git', ['config', 'user.email'], directory);
  if (identity.code !== 0 || identity.output.trim() === '') {
    log('git: repository created and files staged; no user.email configured, so no commit was made');
    return { initialized: true, committed: false };
  }
  const commit = await run('git', ['commit', '--quiet', '-m', 'Initial commit from create-adv'], directory);
  if (commit.code !== 0)
    throw new CreateAdvError('ERR_GIT_FAILED', `git commit failed in ${directory}:\n${tail(commit.output)}`);
  return { initialized: true, committed: true };
}

/**
 * Writes a new app into `directory` (new or empty): the chosen template rendered by
 * {@link renderApp}, then `npm install` and `git init` unless turned off.
 *
 * @example
 * ```ts
 * await createApp({ directory: 'my-app', name: 'my-app', template: 'minimal', backends: { redis: true } });
 * ```
 */
export async function createApp(options: CreateOptions): Promise<CreateResult> {
  const o = resolveCreateOptions(options);
  const directory = resolve(o.directory);
  assertEmptyTarget(directory);
  const files = renderApp({ name: o.name, template: o.template, backends: o.backends, advSource: o.advSource });
  o.log(`writing ${files.size} files to ${directory}`);
  for (const [path, content] of files) {
    const target = join(directory, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, content);
  }
  let installed = false;
  if (o.install) {
    o.log(
      `npm install${o.template === 'board' ? ' (better-sqlite3 compiles its native module: a minute or more)' : ''}`,
    );
    await installApp(directory);
    installed = true;
  }
  const git = o.git ? await initGit(directory, o.log) : { initialized: false, committed: false };
  return { directory, files: [...files.keys()], git, installed };
}
