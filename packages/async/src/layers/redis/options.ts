import { AsyncError } from '../../errors.js';
import { invalidOption } from '../../validate.js';
import type { ChannelLayerOptions } from '../types.js';

/**
 * Connection options passed to ioredis over what the URL says. Our own small type rather than
 * ioredis's `RedisOptions`, whose declarations do not compile for a consumer with
 * `skipLibCheck: false` (ioredis 6.1 imports the untyped `redis-errors`).
 */
export interface RedisConnectionOptions {
  /** Host name or address. @defaultValue from the URL */
  host?: string;
  /** TCP port. @defaultValue from the URL */
  port?: number;
  /** A Unix socket path instead of host and port. */
  path?: string;
  /** ACL user name (Redis 6+). */
  username?: string;
  /** Password (`AUTH`). */
  password?: string;
  /** Database index. @defaultValue from the URL, else `0` */
  db?: number;
  /**
   * TLS: `true`, or options for `node:tls` `connect()` (`ca`, `servername`, …). A `rediss://`
   * URL enables TLS by itself.
   */
  tls?: boolean | Record<string, unknown>;
  /** Connection name shown by `CLIENT LIST`. */
  connectionName?: string;
  /** Milliseconds to wait for the TCP (and TLS) connection before retrying. @defaultValue `10_000` */
  connectTimeout?: number;
  /** IP family to resolve `host` to: `4`, `6`, or `0` for either. @defaultValue `0` */
  family?: 0 | 4 | 6;
}

/** Options of {@link redisLayer}. */
export interface RedisLayerOptions extends ChannelLayerOptions {
  /** Redis URL, e.g. `redis://127.0.0.1:6379/0` (`rediss://` for TLS). */
  url: string;
  /**
   * Prefix of every Redis key and pub/sub channel; layers with the same prefix talk to each other.
   * @defaultValue `'adv:channels'`
   */
  prefix?: string;
  /** Connection options (TLS, password, …) merged over the URL. */
  redis?: RedisConnectionOptions;
  /**
   * The bound of every call that needs Redis, in ms: while Redis is unreachable (not connected
   * yet, or reconnecting) a call waits this long for it, and a sent command waits this long for
   * its answer (one deadline for both), then rejects with `AsyncError` `ERR_BACKEND`. Nothing
   * is queued while Redis is down, and nothing is resent when it returns. `close()` settles
   * within it too.
   * @defaultValue `5_000`
   */
  unavailableTimeout?: number;
}

/** Defaults of {@link RedisLayerOptions} (buffer options: `LAYER_DEFAULTS`). */
export const REDIS_LAYER_DEFAULTS = { prefix: 'adv:channels', unavailableTimeout: 5_000 } as const;

const CONNECTION_KEYS: Record<keyof RedisConnectionOptions, 'string' | 'number' | 'tls' | 'family'> = {
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

/** Validates `redis` and turns it into the options ioredis takes (`tls: true` becomes `{}`). */
export function toIoredisOptions(redis: unknown): Record<string, unknown> {
  if (redis === undefined) return {};
  if (redis === null || typeof redis !== 'object' || Array.isArray(redis)) {
    throw invalidOption('redis', 'an object of connection options', redis);
  }
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(redis)) {
    if (value === undefined) continue;
    const kind = CONNECTION_KEYS[key as keyof RedisConnectionOptions];
    const name = `redis.${key}`;
    if (kind === undefined) {
      throw new AsyncError(
        'ERR_INVALID_OPTION',
        `Unknown option \`${name}\`: expected one of ${Object.keys(CONNECTION_KEYS).join(', ')}`,
      );
    }
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
