import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as expressRecipe from '../src/express/health.js';
import * as fastifyRecipe from '../src/fastify/health.js';
import * as honoRecipe from '../src/hono/health.js';
import * as nodeRecipe from '../src/node/health.js';
import type { HealthRecipeOptions } from '../src/shared/options.js';
import { FRAMEWORKS, type Framework, type Running, start } from './servers.js';

const recipes: Record<Framework, (options: HealthRecipeOptions) => unknown> = {
  express: expressRecipe.createApp,
  hono: honoRecipe.createApp,
  fastify: fastifyRecipe.createApp,
  node: nodeRecipe.createApp,
};

describe.each(FRAMEWORKS)('%s: health and readiness', (framework) => {
  let running: Running;
  let databaseUp: boolean;
  beforeEach(async () => {
    databaseUp = true;
    const app = await recipes[framework]({
      checks: [
        {
          name: 'db',
          check: async () => {
            if (!databaseUp) throw new Error('connection refused');
          },
        },
      ],
    });
    running = await start(framework, app);
  });
  afterEach(() => running.close());

  it('answers /healthz with 200', async () => {
    const response = await fetch(`${running.url}/healthz`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('answers /readyz with 200 while the check passes and 503 naming it when it fails', async () => {
    const ready = await fetch(`${running.url}/readyz`);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toMatchObject({ checks: { db: { ok: true } } });

    databaseUp = false;
    const notReady = await fetch(`${running.url}/readyz`);
    expect(notReady.status).toBe(503);
    expect(notReady.headers.get('cache-control')).toBe('no-store');
    expect(await notReady.json()).toMatchObject({ checks: { db: { ok: false, error: 'connection refused' } } });

    const liveness = await fetch(`${running.url}/healthz`);
    expect(liveness.status).toBe(200); // a dependency outage does not fail liveness
    const page = await fetch(`${running.url}/`);
    expect(await page.text()).toBe('hello');
  });
});
