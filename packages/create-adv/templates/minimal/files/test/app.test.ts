import { TaskHandle } from '@adv/tasks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type App, createApp } from '../src/app.js';
import { loadSettings } from '../src/settings.js';

// Runs on the servers the environment names (REDIS_URL, DATABASE_URL: CI sets them when the app
// uses them), else on the embedded defaults.
const settings = loadSettings({ ...process.env, DEBUG: 'true', PORT: '0' });
let app: App;
const get = (path: string, headers: Record<string, string> = {}) =>
  app.handler(new Request(`http://localhost${path}`, { headers }));

beforeAll(async () => {
  app = await createApp(settings);
  await app.cache.clear();
  await app.tasks.app.process({ concurrency: 2 });
});
afterAll(() => app?.close());

describe('the home page', () => {
  it('renders in English by default and in Portuguese for a pt-BR visitor', async () => {
    const en = await get('/');
    expect(en.status).toBe(200);
    expect(await en.text()).toContain('Welcome to your adv app');
    const pt = await get('/', { 'accept-language': 'pt-BR,pt;q=0.9' });
    expect(await pt.text()).toContain('Bem-vindo ao seu app adv');
    expect(pt.headers.get('content-language')).toBe('pt-BR');
  });

  it('is served from the cache the second time (same render time, an Age header)', async () => {
    const first = await (await get('/', { 'accept-language': 'en' })).text();
    const second = await get('/', { 'accept-language': 'en' });
    expect(second.headers.get('age')).not.toBeNull();
    expect(await second.text()).toBe(first);
  });

  it('answers 404 for an unknown path and refuses a foreign Host', async () => {
    expect((await get('/nope')).status).toBe(404);
    const foreign = await app.handler(new Request('http://evil.example/'));
    expect(foreign.status).toBe(400);
  });
});

describe('the greet task', () => {
  it('runs in the background and counts the hellos in the cache', async () => {
    const before = (await (await get('/greetings')).json()) as { count: number };
    const response = await app.handler(
      new Request('http://localhost/greet', {
        method: 'POST',
        headers: { origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=test',
      }),
    );
    expect(response.status).toBe(202);
    const { enqueued } = (await response.json()) as { enqueued: string };
    const handle = new TaskHandle(app.tasks.app.backend, enqueued);
    expect(await handle.result({ timeout: 20_000 })).toEqual({ greeted: 'test', count: before.count + 1 });
    expect(await (await get('/greetings')).json()).toEqual({ count: before.count + 1 });
  });

  it('refuses a cross-site POST (CSRF origin check)', async () => {
    const response = await app.handler(
      new Request('http://localhost/greet', {
        method: 'POST',
        headers: { origin: 'https://evil.example', 'content-type': 'application/x-www-form-urlencoded' },
        body: 'name=x',
      }),
    );
    expect(response.status).toBe(403);
  });
});

describe('health', () => {
  it('answers /healthz and /readyz with every check passing', async () => {
    expect((await get('/healthz')).status).toBe(200);
    const ready = await get('/readyz');
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(Object.keys(body.checks).sort()).toEqual(['cache', 'tasks']);
  });
});
