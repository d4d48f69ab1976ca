import type { Cache } from '@adv/cache';
import type { ReadinessCheck } from '@adv/types';

/** What the cachePage recipes take: the cache, and the slow work they avoid repeating. */
export interface CachePageRecipeOptions {
  /** The cache pages are stored in (memory here; `createCache({ url: process.env.REDIS_URL })` in production). */
  cache: Cache;
  /** The expensive part of the `/news` page: one headline in the visitor's language (`en` or `pt-BR`). */
  headline: (language: string) => string | Promise<string>;
  /** The rows of `/report.csv`, produced one at a time and streamed as they come. */
  rows: () => AsyncIterable<string>;
}

/** What the health recipes take: the readiness checks (a database ping, a cache ping, ...). */
export interface HealthRecipeOptions {
  checks: ReadinessCheck[];
}

/** What the static recipes take: the `collectStatic` output directory. */
export interface StaticRecipeOptions {
  root: string;
}
