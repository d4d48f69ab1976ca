/**
 * Vitest global setup for the app outside the monorepo (a starter copied from apps/demo): the
 * tests that need Redis read its URL from `REDIS_URL` (the CI workflow runs Redis as a
 * service). In the monorepo, vitest.config.ts uses the root's scripts/test-services.ts instead,
 * which starts a redis-server of its own.
 */
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    redisUrl: string | null;
    memcachedUrl: string | null;
  }
}

export default function setup(project: TestProject): void {
  const redisUrl = process.env.REDIS_URL || null;
  const isCI = process.env.CI === 'true' || process.env.CI === '1';
  if (!redisUrl) {
    const message = 'REDIS_URL is not set: the scale-out tests need a Redis server';
    if (isCI) throw new Error(`${message} (required in CI)`);
    console.warn(`\n!! SKIPPING the Redis tests. ${message}\n`);
  }
  project.provide('redisUrl', redisUrl);
  project.provide('memcachedUrl', null);
}
