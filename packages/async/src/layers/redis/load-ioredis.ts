import { createRequire } from 'node:module';
import type * as Ioredis from 'ioredis';
import { AsyncError } from '../../errors.js';

/** The ioredis client class, as this package uses it (internal: never in a public `.d.ts`). */
export type RedisClass = typeof Ioredis.Redis;
/** An ioredis client (internal: never in a public `.d.ts`). */
export type RedisClient = Ioredis.Redis;

const loaded = new Map<string, RedisClass>();

/**
 * Loads `ioredis`, an optional peer dependency, resolved from `from` (this file by default; a
 * test passes a directory without it). Synchronous, so `redisLayer()` stays synchronous:
 * ioredis is CommonJS. A missing package becomes `ERR_MISSING_DEPENDENCY` naming what to install.
 */
export function loadIoredis(from: string | URL = import.meta.url): RedisClass {
  const key = String(from);
  const known = loaded.get(key);
  if (known !== undefined) return known;
  let module: { Redis?: RedisClass; default?: RedisClass };
  try {
    module = createRequire(from)('ioredis') as typeof module;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    if (code === 'MODULE_NOT_FOUND' && /['"]ioredis['"]/.test(String((error as Error).message))) {
      throw new AsyncError(
        'ERR_MISSING_DEPENDENCY',
        'redisLayer() needs `ioredis`, an optional peer dependency of @adv/async: install it with `npm install ioredis`',
        { cause: error },
      );
    }
    throw error;
  }
  const Redis = module.Redis ?? module.default ?? (module as unknown as RedisClass);
  loaded.set(key, Redis);
  return Redis;
}
