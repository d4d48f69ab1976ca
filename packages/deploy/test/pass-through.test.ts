// The middleware most requests only pass through hand back the rest of the chain's own promise:
// no promise (and no AsyncLocalStorage hook run) of their own on that path (#18).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Middleware } from '@adv/types';
import { describe, expect, it } from 'vitest';
import { diskStorage, serveMedia } from '../src/entry/media.js';
import { createHealth, csrfMiddleware, serveStatic } from '../src/index.js';

const root = mkdtempSync(join(tmpdir(), 'adv-pass-'));
const passing: Record<string, Middleware> = {
  'createHealth().middleware': createHealth().middleware,
  serveStatic: serveStatic({ root, prefix: '/static/' }),
  serveMedia: serveMedia({ storage: diskStorage({ root }), prefix: '/media/' }),
  csrfMiddleware: csrfMiddleware({ ALLOWED_HOSTS: ['example.com'] }),
};

describe.each(Object.entries(passing))('%s on a request it does not answer', (_, middleware) => {
  it('returns the promise of next itself', async () => {
    const answer = Promise.resolve(new Response('from the app'));
    const handed = middleware(new Request('http://example.com/articles/1'), () => answer);
    expect(handed).toBe(answer);
    expect(await (await handed).text()).toBe('from the app');
  });
});

describe('the paths they answer still answer', () => {
  it('health answers its probes as a promise; csrf still refuses a cross-site POST', async () => {
    const next = () => Promise.resolve(new Response('app'));
    const live = passing['createHealth().middleware']!(new Request('http://example.com/healthz'), next);
    expect(live).toBeInstanceOf(Promise);
    expect((await live).status).toBe(200);
    const post = new Request('http://example.com/x', { method: 'POST', headers: { origin: 'https://evil.test' } });
    expect((await passing.csrfMiddleware!(post, next)).status).toBe(403);
  });
});
