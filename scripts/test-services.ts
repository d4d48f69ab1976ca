/**
 * Vitest global setup: starts real `redis-server`, `memcached` and PostgreSQL processes on free
 * loopback ports for the tests that need them, and stops them afterwards.
 *
 * Tests read the URLs with `inject('redisUrl')` / `inject('memcachedUrl')` /
 * `inject('postgresUrl')` (null when the server could not be started). Outside CI a missing
 * binary skips those tests with a loud warning; in CI (`CI=true`) it fails the run, so a green
 * CI always ran them.
 *
 * PostgreSQL: the binaries are looked up in `PG_BIN`, else the highest
 * /usr/lib/postgresql/<version>/bin holding `initdb` (Debian's layout, not on PATH). Each run
 * gets a throwaway cluster in a temp dir (trust auth, no fsync) with an empty database
 * `adv_test`: `postgres://postgres@127.0.0.1:<port>/adv_test`. Set `TEST_POSTGRES_URL` to use
 * a server of your own instead. As root (CI) the cluster runs as the `postgres` system user,
 * since PostgreSQL refuses to run as root.
 *
 * Tests that need a server of their own (to stop it mid-test, say) call `startRedis()`,
 * `startMemcached()` or `startPostgres()` directly.
 */
import { type ChildProcess, execFile, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  chownSync,
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  rmSync,
} from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@adv/types/testing';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string | null;
    memcachedUrl: string | null;
    postgresUrl: string | null;
  }
}

export interface RunningService {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

const isCI = process.env.CI === 'true' || process.env.CI === '1';

// Asks the OS for a free loopback TCP port: the one helper of `@adv/types/testing` (built
// before any test runs: turbo's `test` depends on `^build`), re-exported for the tests here.
export { freePort };

export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

async function waitForPort(port: number, probe: string, expect: RegExp, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port });
      let data = '';
      socket.setTimeout(500, () => socket.destroy());
      socket.on('connect', () => socket.write(probe));
      socket.on('data', (chunk) => {
        data += chunk.toString();
        if (expect.test(data)) {
          socket.destroy();
          resolve(true);
        }
      });
      socket.on('error', () => resolve(false));
      socket.on('close', () => resolve(expect.test(data)));
    });
    if (ok) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`service on port ${port} did not answer within ${timeoutMs} ms`);
}

function stopper(child: ChildProcess): () => Promise<void> {
  return async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
  };
}

/** Starts a throwaway Redis (no persistence) on a free loopback port, or `port` if given. */
export async function startRedis(port?: number): Promise<RunningService> {
  const chosen = port ?? (await freePort());
  const child = spawn(
    'redis-server',
    ['--port', String(chosen), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'],
    { stdio: 'ignore' },
  );
  await waitForPort(chosen, 'PING\r\n', /\+PONG/);
  return { url: `redis://127.0.0.1:${chosen}`, port: chosen, process: child, stop: stopper(child) };
}

/** Starts a throwaway memcached on a free loopback port, or `port` if given. */
export async function startMemcached(port?: number): Promise<RunningService> {
  const chosen = port ?? (await freePort());
  const asRoot = typeof process.getuid === 'function' && process.getuid() === 0 ? ['-u', 'root'] : [];
  const child = spawn('memcached', [...asRoot, '-l', '127.0.0.1', '-p', String(chosen), '-U', '0', '-m', '64'], {
    stdio: 'ignore',
  });
  await waitForPort(chosen, 'version\r\n', /VERSION/);
  return { url: `memcached://127.0.0.1:${chosen}`, port: chosen, process: child, stop: stopper(child) };
}

/**
 * The directory holding PostgreSQL's server binaries: `PG_BIN` if set, else the highest
 * /usr/lib/postgresql/<version>/bin that contains `initdb`; null when there is none.
 */
export function findPgBin(): string | null {
  const fromEnv = process.env.PG_BIN;
  if (fromEnv) return existsSync(join(fromEnv, 'initdb')) ? fromEnv : null;
  const root = '/usr/lib/postgresql';
  let versions: string[];
  try {
    versions = readdirSync(root);
  } catch {
    return null;
  }
  const found = versions
    .filter((v) => /^\d+(\.\d+)?$/.test(v) && existsSync(join(root, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return found.length > 0 ? join(root, found[0] as string, 'bin') : null;
}

interface RunAs {
  uid: number;
  gid: number;
}

/** Unix user for the cluster when we are root (PostgreSQL refuses to run as root), else null. */
function postgresRunAs(): RunAs | null {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return null;
  const lookup = (user: string): RunAs | null => {
    const uid = spawnSync('id', ['-u', user], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
    if (uid.status !== 0 || gid.status !== 0) return null;
    return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
  };
  const existing = lookup('postgres') ?? lookup('adv-postgres');
  if (existing) return existing;
  // another project's setup may be creating it at the same time: look again whatever useradd said
  const made = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', 'adv-postgres'], {
    encoding: 'utf8',
  });
  const created = lookup('adv-postgres');
  if (!created)
    throw new Error(`running as root and no \`postgres\` user; useradd adv-postgres failed: ${made.stderr}`);
  return created;
}

/** Runs a command to completion; rejects with its output when it fails. */
function run(
  file: string,
  args: string[],
  options: { cwd: string; runAs?: RunAs | null; env?: NodeJS.ProcessEnv; timeoutMs?: number },
): Promise<void> {
  return new Promise((resolve, reject) => {
    execFile(
      file,
      args,
      {
        cwd: options.cwd,
        env: options.env ?? process.env,
        // A bound, not an expectation: initdb's post-bootstrap step took over 30 s at load average 20.
        timeout: options.timeoutMs ?? 180_000,
        ...(options.runAs ? { uid: options.runAs.uid, gid: options.runAs.gid } : {}),
      },
      (error, stdout, stderr) => {
        if (error) reject(new Error(`${file} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`));
        else resolve();
      },
    );
  });
}

/** C.UTF-8 (Unicode-aware upper()/lower(), code point order) where the OS has it, else C. */
function pgLocale(): string {
  const list = spawnSync('locale', ['-a'], { encoding: 'utf8' });
  return list.status === 0 && /^C\.(utf8|UTF-8)$/im.test(list.stdout) ? 'C.UTF-8' : 'C';
}

const livePostgres = new Set<() => void>();
process.once('exit', () => {
  for (const kill of livePostgres) kill();
});

/**
 * Starts a throwaway PostgreSQL cluster (trust auth, fsync off, data in a temp dir) on a free
 * loopback port, or `port` if given, with an empty database `adv_test`. `stop()` shuts it down
 * and removes the temp dir. Throws when no PostgreSQL binaries are found (see `findPgBin`).
 */
export async function startPostgres(port?: number): Promise<RunningService> {
  const bin = findPgBin();
  if (!bin) throw new Error('PostgreSQL binaries not found (set PG_BIN, or apt-get install -y postgresql)');
  const runAs = postgresRunAs();
  const dir = mkdtempSync(join(tmpdir(), 'adv-pg-'));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  try {
    const data = join(dir, 'data');
    const sockets = join(dir, 'sock');
    mkdirSync(sockets);
    if (runAs) {
      chownSync(dir, runAs.uid, runAs.gid);
      chownSync(sockets, runAs.uid, runAs.gid);
    }
    // a clean environment: no PG* variables or odd locale settings leaking into the cluster
    const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: dir, LC_ALL: 'C', TZ: process.env.TZ ?? 'UTC' };
    await run(
      join(bin, 'initdb'),
      ['-D', data, '--auth=trust', '--username=postgres', '--encoding=UTF8', `--locale=${pgLocale()}`, '--no-sync'],
      { cwd: dir, runAs, env },
    );
    // a port picked by freePort() can be taken before postgres binds it: try another one
    for (let attempt = 1; ; attempt++) {
      const chosen = port ?? (await freePort());
      try {
        return await launchPostgres(bin, dir, data, sockets, chosen, runAs, env, cleanup);
      } catch (error) {
        const busy = error instanceof Error && /could not bind|already in use/i.test(error.message);
        if (!busy || port !== undefined || attempt >= 3) throw error;
      }
    }
  } catch (error) {
    cleanup();
    throw error;
  }
}

async function launchPostgres(
  bin: string,
  dir: string,
  data: string,
  sockets: string,
  port: number,
  runAs: RunAs | null,
  env: NodeJS.ProcessEnv,
  cleanup: () => void,
): Promise<RunningService> {
  const logPath = join(dir, `postgres-${port}.log`);
  const logFd = openSync(logPath, 'a');
  const readLog = () => {
    try {
      return readFileSync(logPath, 'utf8').slice(-4000);
    } catch {
      return '';
    }
  };
  // spawned directly (no pg_ctl, no runuser) so the child is the postmaster itself
  const child = spawn(
    join(bin, 'postgres'),
    [
      '-D',
      data,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-k',
      sockets,
      '-c',
      'fsync=off',
      '-c',
      'synchronous_commit=off',
      '-c',
      'full_page_writes=off',
    ],
    { cwd: dir, env, stdio: ['ignore', logFd, logFd], ...(runAs ? { uid: runAs.uid, gid: runAs.gid } : {}) },
  );
  closeSync(logFd);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', () => resolve()); // could not be spawned at all
  });
  const killNow = () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    cleanup();
  };
  livePostgres.add(killNow);

  let stopping: Promise<void> | undefined;
  const stop = () => {
    stopping ??= (async () => {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGINT'); // "fast" shutdown: roll back open transactions, disconnect, exit
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        await exited;
        clearTimeout(timer);
      }
      livePostgres.delete(killNow);
      cleanup();
    })();
    return stopping;
  };

  const host = ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres'];
  try {
    const deadline = Date.now() + 60_000;
    let dead = false;
    void exited.then(() => {
      dead = true;
    });
    for (;;) {
      if (dead) throw new Error(`postgres exited (${child.exitCode ?? child.signalCode}) before accepting connections`);
      const ready = await run(join(bin, 'pg_isready'), [...host, '-d', 'postgres', '-t', '1'], { cwd: dir, env }).then(
        () => true,
        () => false,
      );
      if (ready) break;
      if (Date.now() > deadline) throw new Error('postgres did not accept connections within 60 s');
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await run(join(bin, 'createdb'), [...host, 'adv_test'], { cwd: dir, env });
  } catch (error) {
    const log = readLog();
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGKILL');
      await exited;
    }
    livePostgres.delete(killNow);
    // the caller cleans the dir up (or retries on another port)
    throw new Error(`${error instanceof Error ? error.message : String(error)}\n--- postgres log ---\n${log}`);
  }
  return { url: `postgres://postgres@127.0.0.1:${port}/adv_test`, port, process: child, stop };
}

function skipOrFail(message: string): null {
  if (isCI) throw new Error(`CI=true and ${message}`);
  console.warn(`\n\x1b[33m!!! ${message}\x1b[0m\n`);
  return null;
}

async function startIfPresent(binary: string, start: () => Promise<RunningService>): Promise<RunningService | null> {
  if (!hasBinary(binary)) {
    return skipOrFail(
      `\`${binary}\` is not installed: tests that need it are SKIPPED. Install it (apt-get install -y ${binary === 'redis-server' ? 'redis-server' : 'memcached'}) to run them.`,
    );
  }
  return start();
}

async function startPostgresIfPresent(): Promise<RunningService | null> {
  if (!findPgBin()) {
    const where = process.env.PG_BIN ? `PG_BIN=${process.env.PG_BIN}` : '/usr/lib/postgresql/*/bin';
    return skipOrFail(
      `PostgreSQL (\`initdb\` in ${where}) is not installed: tests that need it are SKIPPED. Install it (apt-get install -y postgresql) or set TEST_POSTGRES_URL to run them.`,
    );
  }
  return startPostgres();
}

/** Projects whose tests use PostgreSQL (the others do not pay for a cluster start). */
const POSTGRES_PROJECTS = new Set(['demo', 'demo-postgres', 'tasks']);

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const externalPostgres = process.env.TEST_POSTGRES_URL || null;
  const wantsPostgres = POSTGRES_PROJECTS.has(project.name) && !externalPostgres;
  const results = await Promise.allSettled([
    startIfPresent('redis-server', () => startRedis()),
    startIfPresent('memcached', () => startMemcached()),
    wantsPostgres ? startPostgresIfPresent() : Promise.resolve(null),
  ]);
  const [redis, memcached, postgres] = results.map((r) => (r.status === 'fulfilled' ? r.value : null));
  const stopAll = async () => {
    await Promise.all([redis?.stop(), memcached?.stop(), postgres?.stop()]);
  };
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // do not leave the ones that did start running
    await stopAll();
    throw failed.reason;
  }
  project.provide('redisUrl', redis?.url ?? null);
  project.provide('memcachedUrl', memcached?.url ?? null);
  project.provide('postgresUrl', externalPostgres ?? postgres?.url ?? null);
  return stopAll;
}
