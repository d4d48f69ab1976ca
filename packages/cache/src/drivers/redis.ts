import KeyvRedis, { createClient, type RedisClientType } from '@keyv/redis';
import { Keyv } from 'keyv';
import { CacheError } from '../errors.js';
import { type Driver, keyvOptions, type MessageBus } from './types.js';

/** Options of the Redis driver. */
export interface RedisDriverOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** Connect timeout in ms. */
  connectTimeout: number;
  /** Called with connection-level errors (commands report their own). */
  onConnectionError: (error: unknown) => void;
}

const GLOB_SPECIAL = /[*?[\]\\]/g;

function notInteger(error: unknown, key: string): unknown {
  return error instanceof Error && /not an integer|out of range/i.test(error.message)
    ? new CacheError('ERR_NOT_INTEGER', `Expected the value at \`${key}\` to be an integer to increment`, {
        cause: error,
      })
    : error;
}

/**
 * Redis through `@keyv/redis` (node-redis underneath). Commands fail fast while disconnected
 * (`disableOfflineQueue`) instead of queueing without bound, and the client reconnects in the
 * background. `add` is `SET NX`, `incr` is `INCRBY`, `clear` is `SCAN` + `UNLINK` (never `KEYS`).
 */
export function redisDriver(options: RedisDriverOptions): Driver {
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: {
      connectTimeout: options.connectTimeout,
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 2000),
    },
  }) as unknown as RedisClientType;
  client.on('error', options.onConnectionError);
  const adapter = new KeyvRedis(client, { throwOnConnectError: true, throwOnErrors: true });
  const keyv = new Keyv<string>(adapter, keyvOptions as never);
  keyv.on('error', () => {}); // each command reports its own failure to the cache
  let subscriber: RedisClientType | undefined;
  const resyncs = new Set<() => void>();
  // One connect for all callers: with the offline queue disabled, a command sent while the
  // first connect is under way would fail, so every command waits for `ready()` first.
  let connecting: Promise<void> | undefined;
  const ready = (): Promise<void> | undefined => {
    if (client.isReady) return undefined;
    if (!client.isOpen && connecting === undefined) {
      connecting = client
        .connect()
        .then(() => undefined)
        .finally(() => {
          connecting = undefined;
        });
    }
    return connecting;
  };
  const connected = async (): Promise<RedisClientType> => {
    await ready();
    return client;
  };

  const bus: MessageBus = {
    async publish(channel, message) {
      await (await connected()).publish(channel, message);
    },
    async subscribe(channel, listener, onResync) {
      if (subscriber === undefined) {
        subscriber = client.duplicate();
        subscriber.on('error', options.onConnectionError);
        let connectedOnce = false;
        // node-redis resubscribes by itself after a reconnect; what was published meanwhile is lost.
        subscriber.on('ready', () => {
          if (connectedOnce) for (const resync of resyncs) resync();
          connectedOnce = true;
        });
        await subscriber.connect();
      }
      if (onResync) resyncs.add(onResync);
      await subscriber.subscribe(channel, listener);
    },
  };

  return {
    kind: 'redis',
    shared: true,
    keyv,
    nativeTtl: true,
    maxValueBytes: 512 * 1024 * 1024,
    bus,
    ready,
    async add(key, payload, ttlMs) {
      const redis = await connected();
      const reply = await redis.set(key, payload, ttlMs ? { NX: true, PX: Math.ceil(ttlMs) } : { NX: true });
      return reply === 'OK';
    },
    async incr(key, delta, ttlMs) {
      const redis = await connected();
      try {
        if (!ttlMs) return Number(await redis.incrBy(key, delta));
        const replies = await redis
          .multi()
          .set(key, '0', { NX: true, PX: Math.ceil(ttlMs) })
          .incrBy(key, delta)
          .exec();
        return Number(replies[1]);
      } catch (error) {
        throw notInteger(error, key);
      }
    },
    async remainingTtl(key) {
      const ms = Number(await (await connected()).pTTL(key));
      return ms >= 0 ? ms : undefined; // -1: no expiry, -2: gone
    },
    async clear(prefix) {
      const redis = await connected();
      const match = `${prefix.replace(GLOB_SPECIAL, '\\$&')}*`;
      for await (const chunk of redis.scanIterator({ MATCH: match, COUNT: 500 })) {
        const keys = (Array.isArray(chunk) ? chunk : [chunk]) as string[];
        if (keys.length > 0) await redis.unlink(keys);
      }
    },
    async ping() {
      await (await connected()).ping();
    },
    async close() {
      const closing = [client, subscriber].map(async (c) => {
        if (c?.isOpen) await c.close().catch(() => c.destroy());
      });
      await Promise.all(closing);
    },
  };
}
