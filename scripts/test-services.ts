/**
 * Vitest global setup: starts real `redis-server` and `memcached` processes on free loopback
 * ports for the tests that need them, and stops them afterwards.
 *
 * Tests read the URLs with `inject('redisUrl')` / `inject('memcachedUrl')` (null when the
 * server could not be started). Outside CI a missing binary skips those tests with a loud
 * warning; in CI (`CI=true`) it fails the run, so a green CI always ran them.
 *
 * Tests that need a server of their own (to stop it mid-test, say) call `startRedis()` or
 * `startMemcached()` directly.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string | null;
    memcachedUrl: string | null;
  }
}

export interface RunningService {
  url: string;
  port: number;
  process: ChildProcess;
  stop(): Promise<void>;
}

const isCI = process.env.CI === 'true' || process.env.CI === '1';

/** Asks the OS for a free loopback TCP port. */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('could not get a free port');
  return address.port;
}

export function hasBinary(name: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${name}`]).status === 0;
}

async function waitForPort(port: number, probe: string, expect: RegExp, timeoutMs = 10_000): Promise<void> {
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

async function startIfPresent(binary: string, start: () => Promise<RunningService>): Promise<RunningService | null> {
  if (!hasBinary(binary)) {
    const message = `\`${binary}\` is not installed: tests that need it are SKIPPED. Install it (apt-get install -y ${binary === 'redis-server' ? 'redis-server' : 'memcached'}) to run them.`;
    if (isCI) throw new Error(`CI=true and ${message}`);
    console.warn(`\n\x1b[33m!!! ${message}\x1b[0m\n`);
    return null;
  }
  return start();
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const [redis, memcached] = await Promise.all([
    startIfPresent('redis-server', () => startRedis()),
    startIfPresent('memcached', () => startMemcached()),
  ]);
  project.provide('redisUrl', redis?.url ?? null);
  project.provide('memcachedUrl', memcached?.url ?? null);
  return async () => {
    await Promise.all([redis?.stop(), memcached?.stop()]);
  };
}
