import type { SecuritySettings } from '@adv/deploy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as expressRecipe from '../src/express/security.js';
import * as fastifyRecipe from '../src/fastify/security.js';
import * as honoRecipe from '../src/hono/security.js';
import * as nodeRecipe from '../src/node/security.js';
import { FRAMEWORKS, type Framework, getWithHost, type Running, start } from './servers.js';
import { settings } from './settings.js';

const recipes: Record<Framework, (settings: SecuritySettings) => unknown> = {
  express: expressRecipe.createApp,
  hono: honoRecipe.createApp,
  fastify: fastifyRecipe.createApp,
  node: nodeRecipe.createApp,
};

function expectSecurityHeaders(headers: Headers): void {
  expect(headers.get('x-content-type-options')).toBe('nosniff');
  expect(headers.get('x-frame-options')).toBe('DENY');
  expect(headers.get('referrer-policy')).toBe('same-origin');
  expect(headers.get('cross-origin-opener-policy')).toBe('same-origin');
}

describe.each(FRAMEWORKS)('%s: securityMiddleware', (framework) => {
  let running: Running;
  beforeEach(async () => {
    running = await start(framework, await recipes[framework](settings));
  });
  afterEach(() => running.close());

  it("adds its headers to the app's responses, the framework's own 404 included", async () => {
    const page = await fetch(`${running.url}/`);
    expect(page.status).toBe(200);
    expect(await page.text()).toBe('hello');
    expectSecurityHeaders(page.headers);

    const missing = await fetch(`${running.url}/no-such-page`);
    expect(missing.status).toBe(404);
    expectSecurityHeaders(missing.headers);
  });

  it('refuses a Host outside ALLOWED_HOSTS with 400, without running the route', async () => {
    const refused = await getWithHost(`${running.url}/`, 'evil.example');
    expect(refused.status).toBe(400);
    expect(refused.body).not.toContain('hello');
    expect(refused.body).not.toContain('evil.example');
    const allowed = await getWithHost(`${running.url}/`, 'localhost');
    expect(allowed.status).toBe(200);
  });
});
