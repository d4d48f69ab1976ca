/**
 * The light install, for real: the package is compiled into a temp dir's node_modules next to
 * keyv alone (as `npm install @adv/cache` leaves it, without the optional peers) and run by a
 * child Node process. Then the peers are added and a module hook records what gets loaded.
 */
import { execFile } from 'node:child_process';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const repoModules = join(packageDir, '..', '..', 'node_modules');
const redisUrl = inject('redisUrl');
const memcachedUrl = inject('memcachedUrl');
const PEER_PATTERN = /\/node_modules\/(@keyv\/redis|@redis\/client|@keyv\/memcache|memjs)\//;

let dir: string;
const node = async (script: string, source: string): Promise<string> => {
  writeFileSync(join(dir, script), source);
  const { stdout } = await run(process.execPath, [script], { cwd: dir, timeout: 60_000 });
  return stdout;
};
/** Where `name` is installed for this package (the directory holding its package.json). */
const installedDir = (name: string): string => {
  let at = dirname(fileURLToPath(import.meta.resolve(name)));
  while (!existsSync(join(at, 'package.json')) || !at.endsWith(join('node_modules', name))) at = dirname(at);
  return at;
};
const link = (name: string) => {
  mkdirSync(dirname(join(dir, 'node_modules', name)), { recursive: true });
  symlinkSync(installedDir(name), join(dir, 'node_modules', name), 'dir');
};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'adv-cache-peers-'));
  const installed = join(dir, 'node_modules', '@adv', 'cache');
  mkdirSync(installed, { recursive: true });
  // A fresh build of this source tree (never a stale dist/), JavaScript only.
  await run(
    process.execPath,
    [
      join(repoModules, 'typescript', 'bin', 'tsc'),
      '-p',
      join(packageDir, 'tsconfig.json'),
      '--outDir',
      join(installed, 'dist'),
      '--declaration',
      'false',
      '--declarationMap',
      'false',
      '--sourceMap',
      'false',
    ],
    // A bound, not an expectation: tsc is pure CPU (8.5 s here) and took 63 s at load 25.
    { timeout: 300_000 },
  );
  copyFileSync(join(packageDir, 'package.json'), join(installed, 'package.json'));
  link('keyv'); // a runtime dependency (it brings @keyv/serialize from where it lives)
  // The other one, `@adv/types` (`resolveOptions`): a workspace package, linked from the repo's
  // node_modules to its built dist.
  mkdirSync(join(dir, 'node_modules', '@adv'), { recursive: true });
  symlinkSync(realpathSync(join(repoModules, '@adv', 'types')), join(dir, 'node_modules', '@adv', 'types'), 'dir');
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module', private: true }));
}, 360_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('installed without the optional peers', () => {
  it('imports and runs in memory; a redis:// or memcached:// cache says exactly what to install', async () => {
    const stdout = await node(
      'missing.mjs',
      `
      import { createCache } from '@adv/cache';
      const quiet = { debug() {}, info() {}, warn() {}, error() {} };
      const memory = createCache();
      await memory.set('a', 1);
      const out = { memory: await memory.get('a') };
      const failure = (error) => ({ name: error.name, code: error.code, message: error.message });
      for (const url of ['redis://127.0.0.1:1', 'memcached://127.0.0.1:1']) {
        const cache = createCache({ url, logger: quiet }); // synchronous: nothing is loaded yet
        out[url] = {
          get: await cache.get('k').then((value) => ({ value }), failure),
          set: await cache.set('k', 1).then((value) => ({ value }), failure),
          incr: await cache.incr('n').then((value) => ({ value }), failure),
        };
        await cache.close();
      }
      out.subpath = await import('@adv/cache/redis').then(() => 'loaded', (error) => error.code);
      console.log(JSON.stringify(out));
      `,
    );
    const out = JSON.parse(stdout);
    expect(out.memory).toBe(1);
    for (const [url, peer] of [
      ['redis://127.0.0.1:1', '@keyv/redis'],
      ['memcached://127.0.0.1:1', '@keyv/memcache'],
    ] as const) {
      for (const call of ['get', 'set', 'incr']) {
        expect(out[url][call]).toMatchObject({ name: 'CacheError', code: 'ERR_MISSING_PEER' });
        expect(out[url][call].message).toContain(`npm install ${peer}`);
      }
    }
    // A static import of the subpath fails with Node's own error, naming the package too.
    expect(out.subpath).toBe('ERR_MODULE_NOT_FOUND');
  }, 90_000);
});

describe.runIf(redisUrl && memcachedUrl)('installed with the optional peers', () => {
  it('importing @adv/cache loads neither client; the first call of a redis:// or memcached:// cache loads its own', async () => {
    for (const name of ['@keyv/redis', '@keyv/memcache']) link(name);
    const log = join(dir, 'resolved.log');
    writeFileSync(
      join(dir, 'hooks.mjs'),
      `
      import { appendFileSync } from 'node:fs';
      export async function resolve(specifier, context, next) {
        const result = await next(specifier, context);
        appendFileSync(${JSON.stringify(log)}, result.url + '\\n');
        return result;
      }
      `,
    );
    const stdout = await node(
      'loaded.mjs',
      `
      import { readFileSync, writeFileSync } from 'node:fs';
      import { register } from 'node:module';
      register('./hooks.mjs', import.meta.url);
      const read = () => readFileSync(${JSON.stringify(log)}, 'utf8').split('\\n').filter(Boolean);
      writeFileSync(${JSON.stringify(log)}, '');
      const { createCache } = await import('@adv/cache');
      const out = { root: read() };
      const redis = createCache({ url: ${JSON.stringify(redisUrl)}, onError: 'throw', timeout: 5000 });
      await redis.set('peers', 'r');
      out.redisValue = await redis.get('peers');
      out.afterRedis = read();
      const memcached = createCache({ url: ${JSON.stringify(memcachedUrl)}, onError: 'throw', timeout: 5000 });
      await memcached.set('peers', 'm');
      out.memcachedValue = await memcached.get('peers');
      out.afterMemcached = read();
      await Promise.all([redis.close(), memcached.close()]);
      console.log(JSON.stringify(out));
      `,
    );
    const out = JSON.parse(stdout) as Record<string, string[] | string>;
    const peers = (urls: string[]) => [...new Set(urls.map((url) => PEER_PATTERN.exec(url)?.[1]).filter(Boolean))];
    expect((out.root as string[]).some((url) => url.includes('/@adv/cache/dist/index.js'))).toBe(true);
    expect(peers(out.root as string[])).toEqual([]);
    expect(out.redisValue).toBe('r');
    expect(peers(out.afterRedis as string[])).toEqual(expect.arrayContaining(['@keyv/redis', '@redis/client']));
    expect(peers(out.afterRedis as string[])).not.toContain('memjs');
    expect(out.memcachedValue).toBe('m');
    expect(peers(out.afterMemcached as string[])).toEqual(expect.arrayContaining(['@keyv/memcache', 'memjs']));
  }, 90_000);
});

it('package.json: the Redis and memcached clients are optional peers, not dependencies', () => {
  const manifest = JSON.parse(readFileSync(join(packageDir, 'package.json'), 'utf8'));
  for (const peer of ['@keyv/redis', '@keyv/memcache']) {
    expect(manifest.dependencies[peer]).toBeUndefined();
    expect(manifest.peerDependencies[peer]).toBeDefined();
    expect(manifest.peerDependenciesMeta[peer]).toEqual({ optional: true });
  }
  expect(Object.keys(manifest.exports)).toEqual(expect.arrayContaining(['./redis', './memcached']));
});
