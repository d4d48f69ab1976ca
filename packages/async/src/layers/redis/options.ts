import type { OptionKeys } from '@adv/types';
import { invalidOption, nestedOptions } from '../../validate.js';
import { LAYER_KEYS } from '../local-channels.js';
import { type ChannelLayerOptions, LAYER_DEFAULTS } from '../types.js';

/**
 * Connection options passed to ioredis over what the URL says. Our own small type rather than
 * ioredis's `RedisOptions`, whose declarations do not compile for a consumer with
 * `skipLibCheck: false` (ioredis 6.1 imports the untyped `redis-errors`).
 */
export interface RedisConnectionOptions {
  /** Host name or address. @defaultValue from the URL */
  host?: string | undefined;
  /** TCP port. @defaultValue from the URL */
  port?: number | undefined;
  /** A Unix socket path instead of host and port. */
  path?: string | undefined;
  /** ACL user name (Redis 6+). */
  username?: string | undefined;
  /** Password (`AUTH`). */
  password?: string | undefined;
  /** Database index. @defaultValue from the URL, else `0` */
  db?: number | undefined;
  /**
   * TLS: `true`, or options for `node:tls` `connect()` (`ca`, `servername`, …). A `rediss://`
   * URL enables TLS by itself.
   */
  tls?: boolean | Record<string, unknown> | undefined;
  /** Connection name shown by `CLIENT LIST`. */
  connectionName?: string | undefined;
  /** Milliseconds to wait for the TCP (and TLS) connection before retrying. @defaultValue `10_000` */
  connectTimeout?: number | undefined;
  /** IP family to resolve `host` to: `4`, `6`, or `0` for either. @defaultValue `0` */
  family?: 0 | 4 | 6 | undefined;
}

/** Options of {@link redisLayer}. */
export interface RedisLayerOptions extends ChannelLayerOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379/0` (`rediss://` for TLS). */
  url: string;
  /**
   * Prefix of every Redis key and pub/sub channel; layers with the same prefix talk to each other.
   * @defaultValue `'adv:channels'`
   */
  prefix?: string | undefined;
  /** Connection options (TLS, password, …) merged over the URL. */
  redis?: RedisConnectionOptions | undefined;
  /**
   * The bound of every call that needs Redis, in ms: while Redis is unreachable (not connected
   * yet, or reconnecting) a call waits this long for it, and a sent command waits this long for
   * its answer (one deadline for both), then rejects with `AsyncError` `ERR_BACKEND`. Nothing
   * is queued while Redis is down, and nothing is resent when it returns. `close()` settles
   * within it too.
   * @defaultValue `5_000`
   */
  unavailableTimeout?: number | undefined;
}

/** Defaults of {@link RedisLayerOptions} (buffer options: `LAYER_DEFAULTS`). */
export const REDIS_LAYER_DEFAULTS = { prefix: 'adv:channels', unavailableTimeout: 5_000 } as const;

/** Every option name of {@link RedisLayerOptions}. */
export const REDIS_LAYER_KEYS: OptionKeys<RedisLayerOptions> = {
  ...LAYER_KEYS,
  url: true,
  prefix: true,
  redis: true,
  unavailableTimeout: true,
};

/** What `redisLayer` resolves its options with: the buffer defaults and its own. */
export const REDIS_RESOLVE_DEFAULTS = { ...LAYER_DEFAULTS, ...REDIS_LAYER_DEFAULTS };

const CONNECTION_KINDS: Record<keyof RedisConnectionOptions, 'string' | 'number' | 'tls' | 'family'> = {
  host: 'string',
  port: 'number',
  path: 'string',
  username: 'string',
  password: 'string',
  db: 'number',
  tls: 'tls',
  connectionName: 'string',
  connectTimeout: 'number',
  family: 'family',
};

const CONNECTION_KEYS: OptionKeys<RedisConnectionOptions> = {
  host: true,
  port: true,
  path: true,
  username: true,
  password: true,
  db: true,
  tls: true,
  connectionName: true,
  connectTimeout: true,
  family: true,
};

/** Validates `redis` and turns it into the options ioredis takes (`tls: true` becomes `{}`). */
export function toIoredisOptions(redis: RedisConnectionOptions | undefined): Record<string, unknown> {
  const resolved = nestedOptions('redisLayer', 'redis', redis, CONNECTION_KEYS, {});
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(resolved) as [keyof RedisConnectionOptions, unknown][]) {
    const kind = CONNECTION_KINDS[key];
    const name = `redis.${key}`;
    if (kind === 'string' && typeof value !== 'string') throw invalidOption(name, 'a string', value);
    if (kind === 'number' && !(Number.isInteger(value) && (value as number) >= 0)) {
      throw invalidOption(name, 'a non-negative integer', value);
    }
    if (kind === 'family' && value !== 0 && value !== 4 && value !== 6) throw invalidOption(name, '0, 4 or 6', value);
    if (kind === 'tls') {
      if (value === false) continue;
      if (value === true) {
        out.tls = {};
        continue;
      }
      if (value === null || typeof value !== 'object') throw invalidOption(name, 'a boolean or TLS options', value);
    }
    out[key] = value;
  }
  return out;
}
