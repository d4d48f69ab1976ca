import { existsSync, readFileSync } from 'node:fs';
import { parseEnv } from 'node:util';
import { defineSettings } from '@adv/deploy';
import { z } from 'zod';

/** The app's own variables, on top of @adv/deploy's (DEBUG, SECRET_KEY, ALLOWED_HOSTS, SECURE_* …). */
export const settingsSchema = {
  /** TCP port; `0` picks a free one. */
  PORT: z.coerce.number().int().min(0).default(3000),
  /** Interface to listen on. */
  HOST: z.string().default('127.0.0.1'),
  /** Redis for the cache (`redis://127.0.0.1:6379`); unset: in memory. Needs `@keyv/redis`. */
  REDIS_URL: z.url({ protocol: /^rediss?$/ }).optional(),
  /** PostgreSQL for the task queue (`postgres://user:password@host:5432/app`); unset: in-process. Needs `pg`. */
  DATABASE_URL: z.url({ protocol: /^postgres(ql)?$/ }).optional(),
  /** How long the home page stays cached. */
  PAGE_CACHE_SECONDS: z.coerce.number().int().min(1).default(60),
};

/**
 * Development defaults, so `npm start` needs no environment: DEBUG on when unset, and a key that
 * only DEBUG accepts (with DEBUG=false a real SECRET_KEY is required).
 */
const DEV_DEFAULTS = { DEBUG: 'true', SECRET_KEY: 'dev-only-insecure-key:refused-when-debug-is-off' };

/**
 * Reads and checks the settings: `env` (default: `process.env` over the `.env` file, when there
 * is one). A bad value throws, naming the variable.
 */
export function loadSettings(env?: Record<string, string | undefined>, options: { allowWeakSecretKey?: boolean } = {}) {
  const fromFile = env === undefined && existsSync('.env') ? parseEnv(readFileSync('.env', 'utf8')) : {};
  const all: Record<string, string | undefined> = { ...fromFile, ...(env ?? process.env) };
  const debugOff = /^(0|false|no|off)$/i.test(all.DEBUG ?? '');
  return defineSettings({
    schema: settingsSchema,
    env: debugOff ? all : { ...DEV_DEFAULTS, ...all },
    envFile: false,
    allowWeakSecretKey: options.allowWeakSecretKey ?? false,
  });
}

/** The app's settings. */
export type AppSettings = ReturnType<typeof loadSettings>;
