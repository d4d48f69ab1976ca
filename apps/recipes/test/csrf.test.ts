import type { SecuritySettings } from '@adv/deploy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as expressRecipe from '../src/express/csrf.js';
import * as fastifyRecipe from '../src/fastify/csrf.js';
import * as honoRecipe from '../src/hono/csrf.js';
import * as nodeRecipe from '../src/node/csrf.js';
import { FRAMEWORKS, type Framework, type Running, start } from './servers.js';
import { settings } from './settings.js';

const recipes: Record<Framework, (settings: SecuritySettings) => unknown> = {
  express: expressRecipe.createApp,
  hono: honoRecipe.createApp,
  fastify: fastifyRecipe.createApp,
  node: nodeRecipe.createApp,
};

describe.each(FRAMEWORKS)('%s: csrfMiddleware', (framework) => {
  let running: Running;
  beforeEach(async () => {
    running = await start(framework, await recipes[framework](settings));
  });
  afterEach(() => running.close());

  const post = (origin: string) =>
    fetch(`${running.url}/comments`, {
      method: 'POST',
      headers: { origin, 'content-type': 'text/plain; charset=utf-8' },
      body: 'first!',
    });

  it('refuses a cross-origin POST with 403', async () => {
    const response = await post('https://evil.example');
    expect(response.status).toBe(403);
    expect(await response.text()).not.toContain('saved');
  });

  it('accepts a same-origin POST, and the route still reads the body', async () => {
    const response = await post(running.url);
    expect(response.status).toBe(201);
    expect(await response.text()).toBe('saved: first!');
  });
});
