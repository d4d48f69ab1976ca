import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectStatic } from '@adv/deploy';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import * as expressRecipe from '../src/express/static.js';
import * as fastifyRecipe from '../src/fastify/static.js';
import * as honoRecipe from '../src/hono/static.js';
import * as nodeRecipe from '../src/node/static.js';
import type { StaticRecipeOptions } from '../src/shared/options.js';
import { FRAMEWORKS, type Framework, type Running, start } from './servers.js';

const recipes: Record<Framework, (options: StaticRecipeOptions) => unknown> = {
  express: expressRecipe.createApp,
  hono: honoRecipe.createApp,
  fastify: fastifyRecipe.createApp,
  node: nodeRecipe.createApp,
};

const CSS = 'body { color: rebeccapurple; }\n'.repeat(20);
let dir: string;
let root: string;
let hashed: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'adv-recipes-static-'));
  await mkdir(join(dir, 'assets', 'css'), { recursive: true });
  await writeFile(join(dir, 'assets', 'css', 'app.css'), CSS);
  root = join(dir, 'static');
  const { manifest } = await collectStatic(join(dir, 'assets'), root);
  hashed = manifest.paths['css/app.css'] ?? '';
  expect(hashed).toMatch(/^css\/app\.[0-9a-f]{12}\.css$/);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

describe.each(FRAMEWORKS)('%s: serveStatic', (framework) => {
  let running: Running;
  beforeEach(async () => {
    running = await start(framework, await recipes[framework]({ root }));
  });
  afterEach(() => running.close());

  it('serves a hashed file with immutable caching', async () => {
    const response = await fetch(`${running.url}/static/${hashed}`);
    expect(response.status).toBe(200);
    expect(await response.text()).toBe(CSS);
    expect(response.headers.get('content-type')).toBe('text/css; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    const etag = response.headers.get('etag') ?? '';
    expect(etag).not.toBe('');
    const revalidated = await fetch(`${running.url}/static/${hashed}`, { headers: { 'if-none-match': etag } });
    expect(revalidated.status).toBe(304);
  });

  it('gives the unhashed name a short max-age and passes other paths to the app', async () => {
    const plain = await fetch(`${running.url}/static/css/app.css`);
    expect(plain.status).toBe(200);
    expect(plain.headers.get('cache-control')).not.toContain('immutable');
    const home = await fetch(`${running.url}/`);
    expect(await home.text()).toBe('home');
    const missing = await fetch(`${running.url}/static/css/nope.css`);
    expect(missing.status).toBe(404);
  });
});
