import { afterEach, describe, expect, it } from 'vitest';
import { BASE, testDemo } from './helpers.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Resolves once the clock has passed `ms` since `from` (the page's ttl is in whole seconds). */
async function pastTtl(from: number, ms: number): Promise<void> {
  while (Date.now() - from <= ms) await new Promise((resolve) => setTimeout(resolve, ms - (Date.now() - from) + 10));
}

describe('the article list while the database is down', () => {
  it('serves the stored list past its ttl (staleIfError) and fails a page never stored', async () => {
    const demo = await testDemo({ pageCacheSeconds: 1 });
    cleanups.push(() => demo.cleanup());
    const storedAt = Date.now();
    const first = await demo.handler(new Request(`${BASE}/`));
    expect(first.status).toBe(200);
    const page = await first.text();
    expect(page).toContain('<html');
    await pastTtl(storedAt, 1000);

    // A real fault: the database connection is closed, so rendering the list throws.
    await demo.db.close();
    const during = await demo.handler(new Request(`${BASE}/`));
    expect(during.status).toBe(200);
    expect(await during.text()).toBe(page);
    // Without a stored copy the failure shows (a closed connection is not an outage the error
    // pages recognise as one, so 500 rather than 503).
    const neverStored = await demo.handler(new Request(`${BASE}/?page=2`));
    expect(neverStored.status).toBeGreaterThanOrEqual(500);
  });
});
