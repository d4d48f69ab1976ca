import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as expressRecipe from '../src/express/metrics.js';
import * as fastifyRecipe from '../src/fastify/metrics.js';
import * as honoRecipe from '../src/hono/metrics.js';
import * as nodeRecipe from '../src/node/metrics.js';
import { FRAMEWORKS, type Framework, type Running, start } from './servers.js';

const recipes: Record<Framework, () => unknown> = {
  express: expressRecipe.createApp,
  hono: honoRecipe.createApp,
  fastify: fastifyRecipe.createApp,
  node: nodeRecipe.createApp,
};

describe.each(FRAMEWORKS)('%s: metrics', (framework) => {
  let running: Running;
  beforeEach(async () => {
    running = await start(framework, await recipes[framework]());
  });
  afterEach(() => running.close());

  it('counts requests by method, route and status and exposes them at /metrics', async () => {
    for (let i = 0; i < 2; i += 1) {
      const hello = await fetch(`${running.url}/hello`);
      expect(await hello.text()).toBe('hello');
    }
    const missing = await fetch(`${running.url}/wp-login.php`);
    expect(missing.status).toBe(404);
    await missing.arrayBuffer();

    const response = await fetch(`${running.url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toContain('text/plain');
    const text = await response.text();
    expect(text).toContain('http_requests_total{method="GET",route="/hello",status="200"} 2');
    expect(text).toContain('http_requests_total{method="GET",route="unmatched",status="404"} 1');
    expect(text).toMatch(/http_request_duration_seconds_count\{method="GET",route="\/hello",status="200"\} 2/);
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });
});
