import { checkDeploy } from '@adv/deploy';
import { afterEach, describe, expect, it } from 'vitest';
import { testDemo } from './helpers.js';

/** The production settings PRODUCTION.md asks for. */
const PRODUCTION = {
  DEBUG: 'false',
  NODE_ENV: 'production',
  SECRET_KEY: 'q7W1n2b9X0c8V3m6Z5l4K7j2H1g0F9d8S7a6P5o4I3u2Y1t0R9e8W7',
  ALLOWED_HOSTS: 'board.example.com',
  SECURE_SSL_REDIRECT: 'true',
  SECURE_PROXY_SSL_HEADER: 'X-Forwarded-Proto,https',
  SECURE_HSTS_SECONDS: '3600',
  SESSION_COOKIE_SECURE: 'true',
  CSRF_COOKIE_SECURE: 'true',
  // Django warns until subdomains and the preload list are opted into; a first deploy should not.
  SILENCED_SYSTEM_CHECKS: 'security.W005,security.W021',
  LOG_LEVEL: 'silent',
};

let demo: Awaited<ReturnType<typeof testDemo>> | undefined;
afterEach(async () => {
  await demo?.cleanup();
  demo = undefined;
});

const ids = async (processes?: number) =>
  (await checkDeploy(demo!.config.settings, { ...demo!.deployContext(), ...(processes ? { processes } : {}) })).map(
    (f) => f.id,
  );

describe('check --deploy on the demo', () => {
  it('is clean with the production settings once a backup exists', async () => {
    demo = await testDemo({}, PRODUCTION);
    expect(await ids()).toEqual(['adv.E009']); // backups configured, none taken yet
    await (await demo.tasks.backup.enqueue(undefined)).result({ timeout: 10_000 });
    expect(await ids()).toEqual([]);
  });

  it('flags the development defaults', async () => {
    demo = await testDemo();
    const found = await ids();
    for (const id of ['security.W018', 'adv.E003', 'adv.W002', 'security.W008']) expect(found).toContain(id);
  });

  it('flags in-memory backends when several processes would run', async () => {
    demo = await testDemo({}, PRODUCTION);
    await (await demo.tasks.backup.enqueue(undefined)).result({ timeout: 10_000 });
    const found = await ids(4);
    expect(found.filter((id) => id === 'adv.E001')).toHaveLength(3); // cache, tasks, channel layer
  });
});
