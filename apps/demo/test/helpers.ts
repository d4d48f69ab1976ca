import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemo, type Demo } from '../src/app.js';
import { type DemoConfig, loadConfig } from '../src/config.js';
import { databaseEnv } from './databases.js';

/**
 * A demo on a throwaway data folder, and on a fresh PostgreSQL database in the
 * `demo-postgres` project; `cleanup()` closes it and removes both.
 */
export async function testDemo(
  overrides: Partial<DemoConfig> = {},
  env: Record<string, string> = {},
): Promise<Demo & { dataDir: string; cleanup(): Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'adv-demo-test-'));
  const database = await databaseEnv();
  const demo = await createDemo(
    loadConfig(
      { LOG_LEVEL: 'silent', ...database.env, ...env },
      { dataDir, staticRoot: join(dataDir, 'static'), exportChunkDelayMs: 0, ...overrides },
    ),
  );
  return Object.assign(demo, {
    dataDir,
    async cleanup() {
      await demo.close();
      await database.drop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  });
}

/**
 * Whether none of the demo's schedules has come due since this was called (prune-exports runs at
 * minute 17 of every hour, the digest, backup and outbox pruning once a day): a test that counts
 * the jobs that ran asserts exact numbers only while this holds, as a scheduled run may add one.
 */
export async function noScheduleDueFrom(demo: Demo): Promise<() => boolean> {
  const due = (await demo.tasks.app.schedules()).map((schedule) => schedule.next ?? Number.POSITIVE_INFINITY);
  const first = Math.min(...due);
  return () => Date.now() < first;
}

/** A form POST as a browser sends it (same-origin). */
export function postForm(url: string, fields: Record<string, string>, headers: Record<string, string> = {}): Request {
  return new Request(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin, ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

export const BASE = 'http://localhost';

/** GETs through the demo's handler, and whether a page came from the page cache. */
export function pageRequests(current: () => Demo) {
  const get = (path: string, headers: Record<string, string> = {}) =>
    current().handler(new Request(`${BASE}${path}`, { headers }));
  /** A page from cachePage carries `Age`; a freshly rendered one does not. */
  const servedFromCache = async (path: string, headers: Record<string, string> = {}) => {
    const response = await get(path, headers);
    await response.arrayBuffer();
    return response.headers.has('age');
  };
  return { get, servedFromCache };
}

/** A free TCP port on loopback. */
export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

/**
 * The production settings PRODUCTION.md asks for (its 'is clean' test keeps the two in step);
 * `npm run check` on them is clean.
 */
export const PRODUCTION_ENV: Readonly<Record<string, string>> = {
  DEBUG: 'false',
  NODE_ENV: 'production',
  SECRET_KEY: 'q7W1n2b9X0c8V3m6Z5l4K7j2H1g0F9d8S7a6P5o4I3u2Y1t0R9e8W7',
  ALLOWED_HOSTS: 'board.example.com',
  BEHIND_PROXY: 'true',
  SECURE_SSL_REDIRECT: 'true',
  SECURE_PROXY_SSL_HEADER: 'X-Forwarded-Proto,https',
  SECURE_HSTS_SECONDS: '3600',
  SESSION_COOKIE_SECURE: 'true',
  // Django warns until subdomains and the preload list are opted into; a first deploy should not.
  SILENCED_SYSTEM_CHECKS: 'security.W005,security.W021',
  LOG_LEVEL: 'silent',
};
