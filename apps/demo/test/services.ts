/**
 * Vitest global setup for the app outside the monorepo (a starter copied from apps/demo): the
 * tests that need Redis read its URL from `REDIS_URL` (the CI workflow runs Redis as a
 * service), the PostgreSQL ones read theirs from `TEST_POSTGRES_URL` (a database the tests may
 * fill and empty, e.g. postgres://postgres@127.0.0.1:5432/adv_test). In the monorepo,
 * vitest.config.ts uses the root's scripts/test-services.ts instead, which starts a
 * redis-server and a throwaway PostgreSQL cluster of its own.
 */
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string | null;
    memcachedUrl: string | null;
    postgresUrl: string | null;
  }
}

export default function setup(project: TestProject): void {
  const redisUrl = process.env.REDIS_URL || null;
  const postgresUrl = process.env.TEST_POSTGRES_URL || null;
  const isCI = process.env.CI === 'true' || process.env.CI === '1';
  if (!redisUrl) {
    const message = 'REDIS_URL is not set: the scale-out tests need a Redis server';
    if (isCI) throw new Error(`${message} (required in CI)`);
    console.warn(`\n!! SKIPPING the Redis tests. ${message}\n`);
  }
  if (!postgresUrl) {
    // a warning even in CI: a copied starter's CI may well have no PostgreSQL service
    console.warn(
      '\n!! SKIPPING the PostgreSQL tests. TEST_POSTGRES_URL is not set: they need a PostgreSQL database (e.g. postgres://postgres@127.0.0.1:5432/adv_test)\n',
    );
  }
  project.provide('redisUrl', redisUrl);
  project.provide('memcachedUrl', null);
  project.provide('postgresUrl', postgresUrl);
}
