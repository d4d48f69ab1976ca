import { createClient, type RedisClientType } from '@keyv/redis';
import { CacheError } from '../errors.js';
import type { Driver, MessageBus, StringStore } from './types.js';

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

/** The command connection: one connect shared by every caller, none after `close()`. */
interface Link {
  /** Undefined when connected; otherwise the connect under way (started if needed). */
  ready(): Promise<void> | undefined;
  /** The client, once connected. */
  connected(): Promise<RedisClientType>;
  /** Set by the driver's `close()`: no connect starts afterwards. */
  closed: boolean;
}

/**
 * One connect for all callers: with the offline queue disabled, a command sent while the
 * connect is under way would fail, so every command waits for `ready()` first.
 */
function link(client: RedisClientType): Link {
  let connecting: Promise<void> | undefined;
  const state: Link = {
    closed: false,
    ready() {
      if (client.isReady) return undefined;
      if (connecting === undefined && !client.isOpen && !state.closed) {
        connecting = client
          .connect()
          .then(() => undefined)
          .finally(() => {
            connecting = undefined;
          });
      }
      return connecting;
    },
    async connected() {
      await state.ready();
      return client;
    },
  };
  return state;
}

/** The L1 invalidation bus and its subscriber connection. */
interface Bus {
  bus: MessageBus;
  /** Stops resubscribing and closes the subscriber within `timeoutMs`. */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Pub/sub for the L1: publishes on the command connection, subscribes on a second one that is
 * reconnected here with a backoff on unref'd timers (they never keep a process alive).
 */
function redisBus(client: RedisClientType, conn: Link, onConnectionError: (error: unknown) => void): Bus {
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
            onConnectionError(error);
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
    if (conn.closed || retry !== undefined || listeners.size === 0) return;
    const delay = Math.min(50 * 2 ** failures++, MAX_RESUBSCRIBE_DELAY_MS);
    retry = setTimeout(() => {
      retry = undefined;
      subscribeAll().catch(() => {}); // failures schedule the next attempt
    }, delay);
    retry.unref();
  };

  return {
    bus: {
      async publish(channel, message) {
        await (await conn.connected()).publish(channel, message);
      },
      async subscribe(channel, listener, onResync) {
        listeners.set(channel, listener);
        if (onResync) resyncs.add(onResync);
        if (subscriber?.isReady) await subscriber.subscribe(channel, listener);
        else await subscribeAll();
      },
    },
    close(timeoutMs) {
      clearTimeout(retry);
      return shut(subscriber, timeoutMs);
    },
  };
}

/** The commands beyond keyv's: `SET NX`, `INCRBY`, `PTTL`, `SCAN` + `UNLINK`, `PING`. */
function redisCommands(
  connected: () => Promise<RedisClientType>,
): Pick<Driver, 'add' | 'incr' | 'remainingTtl' | 'clear' | 'ping'> {
  return {
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
  };
}

/**
 * The stored strings, straight on node-redis: `GET`, `MGET`, `SET PX`, `MULTI` of `SET`s,
 * `UNLINK`, as `@keyv/redis` sends them (same keys, same replies) without the two layers of
 * `Keyv` and its adapter around each command: a Redis get-hit is mostly round trip, and those
 * layers were a measurable share of what is left (#18). Commands run once the cache's engine
 * saw the connection ready.
 */
export function redisStore(client: RedisClientType): StringStore {
  return {
    get(key) {
      // `sendCommand` is the step `client.get` ends in: the same `GET`, reply and errors, without
      // its two `async` layers and argument parser (a share of a get-hit's CPU, #18). The reply of
      // a `GET` with the default type mapping is the string or null; the engine reads null as absent.
      return client.sendCommand<string | null>(['GET', key]);
    },
    async getMany(keys) {
      if (keys.length === 0) return [];
      return (await client.mGet(keys)).map((value) => value ?? undefined);
    },
    async set(key, value, ttl) {
      await (ttl ? client.set(key, value, { PX: ttl }) : client.set(key, value));
      return true;
    },
    async setMany(entries) {
      const multi = client.multi();
      for (const { key, value, ttl } of entries) {
        if (ttl) multi.set(key, value, { PX: ttl });
        else multi.set(key, value);
      }
      await multi.exec();
    },
    async delete(key) {
      return Number(await client.unlink(key)) > 0;
    },
    async deleteMany(keys) {
      if (keys.length === 0) return false;
      return Number(await client.unlink(keys)) > 0;
    },
  };
}

/**
 * Redis on node-redis (the client `@keyv/redis` ships). node-redis does not reconnect by itself
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
  const conn = link(client);
  const pubsub = redisBus(client, conn, options.onConnectionError);
  return {
    kind: 'redis',
    shared: true,
    keyv: redisStore(client),
    nativeTtl: true,
    maxValueBytes: 512 * 1024 * 1024,
    bus: pubsub.bus,
    ready: conn.ready,
    isOutage: () => !client.isReady,
    ...redisCommands(conn.connected),
    async close(timeoutMs) {
      conn.closed = true;
      await Promise.all([shut(client, timeoutMs), pubsub.close(timeoutMs)]);
    },
  };
}
