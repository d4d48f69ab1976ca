/**
 * Measures what a cache call costs while Redis or memcached is down (the README's "When the
 * server is down" table): unreachable from the start, killed mid-run (SIGKILL), frozen (SIGSTOP),
 * recovery after a restart on the same port, and close(). Starts its own servers.
 *
 *   npm run build && node scripts/measure-outage.mjs redis      # or: memcached
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createConnection, createServer } from 'node:net';
import { createCache } from '../dist/index.js';

const kind = process.argv[2] === 'memcached' ? 'memcached' : 'redis';
const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const freePort = async () => {
  const s = createServer().listen(0, '127.0.0.1');
  await once(s, 'listening');
  const p = s.address().port;
  s.close();
  return p;
};
const up = (port) =>
  new Promise((resolve) => {
    const c = createConnection({ port, host: '127.0.0.1' });
    c.on('connect', () => {
      c.destroy();
      resolve(true);
    });
    c.on('error', () => resolve(false));
  });
async function start(port) {
  const child =
    kind === 'redis'
      ? spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
          stdio: 'ignore',
        })
      : spawn(
          'memcached',
          [...(process.getuid?.() === 0 ? ['-u', 'root'] : []), '-l', '127.0.0.1', '-p', String(port), '-U', '0'],
          { stdio: 'ignore' },
        );
  while (!(await up(port))) await new Promise((r) => setTimeout(r, 20));
  return child;
}
const kill = async (child, sig = 'SIGKILL') => {
  const e = once(child, 'exit');
  child.kill(sig);
  await e;
};
const ms = async (fn) => {
  const t = performance.now();
  await fn();
  return performance.now() - t;
};
const stats = (xs) => {
  xs.sort((a, b) => a - b);
  const q = (p) => xs[Math.min(xs.length - 1, Math.floor(p * xs.length))].toFixed(3);
  return `median ${q(0.5)} ms, p99 ${q(0.99)} ms, max ${xs[xs.length - 1].toFixed(3)} ms`;
};
const many = async (cache, n = 2000) => {
  const xs = [];
  for (let i = 0; i < n; i++) xs.push(await ms(() => cache.get('k')));
  return stats(xs);
};
const url = (port) => `${kind}://127.0.0.1:${port}`;

// 1. unreachable from the start
let port = await freePort();
let cache = createCache({ url: url(port), logger: quiet });
console.log(
  'unreachable at start, first get (incl. loading the driver):',
  (await ms(() => cache.get('k'))).toFixed(1),
  'ms',
);
console.log('unreachable at start, next gets:', await many(cache));
let child = await start(port);
let t0 = performance.now();
while (!(await cache.set('k', 1))) await new Promise((r) => setTimeout(r, 5));
console.log('server started: first successful set after', (performance.now() - t0).toFixed(0), 'ms');
await kill(child);
console.log('close() while down:', (await ms(() => cache.close())).toFixed(2), 'ms');

// 2. killed mid-run
port = await freePort();
child = await start(port);
cache = createCache({ url: url(port), logger: quiet });
await cache.set('k', 1);
console.log('up: gets', await many(cache, 500));
await kill(child);
console.log('killed: first get', (await ms(() => cache.get('k'))).toFixed(2), 'ms');
console.log('killed: next gets', await many(cache));
child = await start(port);
t0 = performance.now();
while (!(await cache.set('k', 1))) await new Promise((r) => setTimeout(r, 5));
console.log('restarted: first successful set after', (performance.now() - t0).toFixed(0), 'ms');

// 3. frozen
child.kill('SIGSTOP');
console.log('frozen: first get', (await ms(() => cache.get('k'))).toFixed(1), 'ms (timeout 1000)');
console.log('frozen: next gets', await many(cache));
child.kill('SIGCONT');
t0 = performance.now();
while (!(await cache.set('k', 1))) await new Promise((r) => setTimeout(r, 5));
console.log('resumed: first successful set after', (performance.now() - t0).toFixed(0), 'ms');
await cache.close();
await kill(child);
