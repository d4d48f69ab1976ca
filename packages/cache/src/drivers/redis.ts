import KeyvRedis, { createClient, type RedisClientType } from '@keyv/redis';
import { Keyv } from 'keyv';
import { CacheError } from '../errors.js';
import { type Driver, keyvOptions, type MessageBus, type StringStore } from './types.js';

/** What the Redis driver needs from the cache it serves. */
export interface RedisConnectionOptions {
  /** `redis://` or `rediss://` URL. */
  url: string;
  /** Connect timeout in ms (also the bound of `close()`). */
  connectTimeout: number;
  /** Called with connection-level errors (commands report their own). */
  onConnectionError: (error: unknown) => void;
}

const GLOB_SPECIAL = /[*?[\]\\]/g;
/** Longest wait between two reconnect attempts of the L1 subscriber. */
const MAX_RESUBSCRIBE_DELAY_MS = 2000;

function notInteger(error: unknown, key: string): unknown {
  return error instanceof Error && /not an integer|out of range/i.test(error.message)
    ? new CacheError('ERR_NOT_INTEGER', `Expected the value at \`${key}\` to be an integer to increment`, {
        cause: error,
      })
    : error;
}

/** Closes a node-redis client within `timeoutMs`: politely when connected, at once otherwise. */
async function shut(client: RedisClientType | undefined, timeoutMs: number): Promise<void> {
  if (client === undefined || !client.isOpen) return;
  if (client.isReady) {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, timeoutMs);
    });
    await Promise.race([client.close().catch(() => {}), late]).finally(() => clearTimeout(timer));
  }
  if (client.isOpen) client.destroy();
}

/**
 * Redis through `@keyv/redis` (node-redis underneath). node-redis does not reconnect by itself
 * here (its reconnect delay is a timer that would keep a closed process alive): a lost or
 * refused connection fails the command at once, the cache marks the backend down, and the
 * next command or the cache's background probe connects again. Commands never queue while
 * disconnected (`disableOfflineQueue`). `add` is `SET NX`, `incr` is `INCRBY`, `clear` is
 * `SCAN` + `UNLINK` (never `KEYS`).
 */
export function openRedis(options: RedisConnectionOptions): Driver {
  const client = createClient({
    url: options.url,
    disableOfflineQueue: true,
    socket: { connectTimeout: options.connectTimeout, reconnectStrategy: false },
  }) as unknown as RedisClientType;
  client.on('error', options.onConnectionError);
  const adapter = new KeyvRedis(client, { throwOnConnectError: true, throwOnErrors: true });
  const keyv = new Keyv<string>(adapter, keyvOptions as never);
  keyv.on('error', () => {}); // each command reports its own failure to the cache
  let closed = false;

  // One connect for all callers: with the offline queue disabled, a command sent while the
  // connect is under way would fail, so every command waits for `ready()` first.
  let connecting: Promise<void> | undefined;
  const ready = (): Promise<void> | undefined => {
    if (client.isReady) return undefined;
    if (connecting === undefined && !client.isOpen && !closed) {
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

  // The L1 subscriber: a second connection, reconnected here with a backoff on unref'd timers.
  let subscriber: RedisClientType | undefined;
  const listeners = new Map<string, (message: string) => void>();
  const resyncs = new Set<() => void>();
  let subscribing: Promise<void> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let failures = 0;
  let subscribedOnce = false;
  const subscribeAll = (): Promise<void> => {
    subscribing ??= (async () => {
      subscriber ??= client.duplicate() as RedisClientType;
      const sub = subscriber;
      if (!sub.isOpen) {
        if (sub.listenerCount('error') === 0) {
          sub.on('error', (error: unknown) => {
            options.onConnectionError(error);
            if (!sub.isOpen) scheduleResubscribe(); // the connection is gone: node-redis gave up on it
          });
        }
        await sub.connect();
      }
      for (const [channel, listener] of listeners) await sub.subscribe(channel, listener);
      failures = 0;
      // Messages published while the subscription was down are lost.
      if (subscribedOnce) for (const resync of resyncs) resync();
      subscribedOnce = true;
    })()
      .catch((error: unknown) => {
        if (subscriber?.isOpen) subscriber.destroy();
        scheduleResubscribe();
        throw error;
      })
      .finally(() => {
        subscribing = undefined;
      });
    return subscribing;
  };
  const scheduleResubscribe = (): void => {
    if (closed || retry !== undefined || listeners.size === 0) return;
    const delay = Math.min(50 * 2 ** failures++, MAX_RESUBSCRIBE_DELAY_MS);
    retry = setTimeout(() => {
      retry = undefined;
      subscribeAll().catch(() => {}); // failures schedule the next attempt
    }, delay);
    retry.unref();
  };

  const bus: MessageBus = {
    async publish(channel, message) {
      await (await connected()).publish(channel, message);
    },
    async subscribe(channel, listener, onResync) {
      listeners.set(channel, listener);
      if (onResync) resyncs.add(onResync);
      if (subscriber?.isReady) await subscriber.subscribe(channel, listener);
      else await subscribeAll();
    },
  };

  return {
    kind: 'redis',
    shared: true,
    keyv: keyv as unknown as StringStore,
    nativeTtl: true,
    maxValueBytes: 512 * 1024 * 1024,
    bus,
    ready,
    isOutage: () => !client.isReady,
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
    async close(timeoutMs) {
      closed = true;
      clearTimeout(retry);
      await Promise.all([shut(client, timeoutMs), shut(subscriber, timeoutMs)]);
    },
  };
}
