import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { connect, type TestClient } from './helpers.js';

const redisUrl = inject('redisUrl');
const fixture = fileURLToPath(new URL('./fixtures/group-server.ts', import.meta.url));
const children: ChildProcess[] = [];
const clients: TestClient[] = [];

/** Starts a real server process and resolves with its port. */
function startServer(): Promise<number> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, REDIS_URL: `${redisUrl}/4`, LAYER_PREFIX: `adv-async-two:${process.pid}` },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      const match = /LISTENING (\d+)/.exec(out);
      if (match) resolve(Number(match[1]));
    });
    child.once('exit', (code) => reject(new Error(`server process exited early with ${code}: ${out}`)));
  });
}

afterAll(async () => {
  for (const client of clients) client.ws.terminate();
  await Promise.all(
    children.map(async (child) => {
      if (child.exitCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }),
  );
});

describe.runIf(redisUrl)('two server processes on one Redis channel layer', () => {
  it('deliver a group message sent through either process to clients on both', { timeout: 30_000 }, async () => {
    const [portA, portB] = await Promise.all([startServer(), startServer()]);
    const onA = await connect(`ws://127.0.0.1:${portA}/ws`);
    const onB = await connect(`ws://127.0.0.1:${portB}/ws`);
    clients.push(onA, onB);
    expect([await onA.next(), await onB.next()]).toEqual(['joined', 'joined']);

    const members = (await (await fetch(`http://127.0.0.1:${portB}/`)).json()) as string[];
    expect(members).toHaveLength(2);

    await fetch(`http://127.0.0.1:${portA}/`, { method: 'POST', body: JSON.stringify({ text: 'from A' }) });
    expect(JSON.parse(await onA.next())).toEqual({ text: 'from A' });
    expect(JSON.parse(await onB.next())).toEqual({ text: 'from A' });

    await fetch(`http://127.0.0.1:${portB}/`, { method: 'POST', body: JSON.stringify({ text: 'from B' }) });
    expect(JSON.parse(await onA.next())).toEqual({ text: 'from B' });
    expect(JSON.parse(await onB.next())).toEqual({ text: 'from B' });
  });
});
