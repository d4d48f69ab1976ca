import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectStatic } from '@adv/deploy';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../src/fastify/deploy-stack.js';
import { getWithHost, type Running, start } from './servers.js';
import { settings } from './settings.js';

describe('fastify: the whole @adv/deploy stack', () => {
  let dir: string;
  let hashed: string;
  let running: Running;
  let ready = true;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'adv-recipes-stack-'));
    await mkdir(join(dir, 'assets'), { recursive: true });
    await writeFile(join(dir, 'assets', 'app.js'), 'console.log("hi");\n');
    const { manifest } = await collectStatic(join(dir, 'assets'), join(dir, 'static'));
    hashed = manifest.paths['app.js'] ?? '';
    const checks = [
      {
        name: 'db',
        check: async () => {
          if (!ready) throw new Error('connection refused');
        },
      },
    ];
    running = await start('fastify', await createApp(settings, { root: join(dir, 'static'), checks }));
  });
  afterAll(async () => {
    await running?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('answers probes whatever the Host, and refuses that Host elsewhere', async () => {
    expect((await getWithHost(`${running.url}/healthz`, '10.1.2.3:8080')).status).toBe(200);
    expect((await getWithHost(`${running.url}/readyz`, '10.1.2.3:8080')).status).toBe(200);
    ready = false;
    expect((await getWithHost(`${running.url}/readyz`, '10.1.2.3:8080')).status).toBe(503);
    ready = true;
    expect((await getWithHost(`${running.url}/`, '10.1.2.3:8080')).status).toBe(400);
  });

  it('serves pages and static files with the security headers, checks CSRF and counts it all', async () => {
    const page = await fetch(`${running.url}/`);
    expect(await page.text()).toBe('hello');
    expect(page.headers.get('x-frame-options')).toBe('DENY');
    const asset = await fetch(`${running.url}/static/${hashed}`);
    expect(asset.headers.get('cache-control')).toContain('immutable');
    expect(asset.headers.get('x-content-type-options')).toBe('nosniff');
    await asset.arrayBuffer();

    const post = (origin: string) =>
      fetch(`${running.url}/comments`, {
        method: 'POST',
        headers: { origin, 'content-type': 'text/plain' },
        body: 'x',
      });
    expect((await post('https://evil.example')).status).toBe(403);
    const accepted = await post(running.url);
    expect(accepted.status).toBe(201);
    expect(await accepted.text()).toBe('saved: x');

    const metrics = await (await fetch(`${running.url}/metrics`)).text();
    expect(metrics).toContain('http_requests_total{method="GET",route="/",status="200"} 1');
    expect(metrics).toContain('http_requests_total{method="POST",route="/comments",status="403"} 1');
    expect(metrics).toContain('http_requests_total{method="POST",route="/comments",status="201"} 1');
  });
});
