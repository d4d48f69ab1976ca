import { AsyncError } from '../../errors.js';
import { asyncOptions, checkCount, invalidOption } from '../../validate.js';
import { checkLayerOptions, LocalChannels } from '../local-channels.js';
import { token } from '../names.js';
import type { ChannelLayerWithStats } from '../types.js';
import { type Names, RedisConnections } from './connections.js';
import { loadIoredis } from './load-ioredis.js';
import { channelMethods, groupMethods, type LayerContext, membership, topicListener } from './methods.js';
import { REDIS_LAYER_KEYS, REDIS_RESOLVE_DEFAULTS, type RedisLayerOptions, toIoredisOptions } from './options.js';
import { RemoteJoins } from './remote.js';

const MAX_TIMER_DELAY = 2_147_483_647;
const BACKEND_NAME = '@adv/async:redis';

/** Resolves and checks the options of `redisLayer()` (the one adv way: unknown keys refused). */
function resolveRedisLayerOptions(options: RedisLayerOptions) {
  const o = asyncOptions('redisLayer', options, REDIS_LAYER_KEYS, REDIS_RESOLVE_DEFAULTS);
  const { url, prefix } = o;
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw invalidOption('url', 'a redis:// or rediss:// URL', url);
  }
  if (typeof prefix !== 'string' || prefix === '') throw invalidOption('prefix', 'a non-empty string', prefix);
  checkCount('unavailableTimeout', o.unavailableTimeout, { min: 1, unit: 'number of milliseconds' });
  if (o.unavailableTimeout > MAX_TIMER_DELAY) {
    throw invalidOption('unavailableTimeout', `at most ${MAX_TIMER_DELAY} ms`, o.unavailableTimeout);
  }
  return { ...o, url, prefix };
}

/**
 * A channel layer on Redis pub/sub (Channels' `RedisPubSubChannelLayer`): each process
 * subscribes to the groups its own clients joined, so one `groupSend` reaches clients
 * connected to any process (members in the sending process get it at once, without a Redis
 * round trip). Group membership lives in a Redis sorted set with expiry, so
 * `groupMembers` answers for the whole cluster. Buffers stay bounded per channel, as in memory.
 *
 * When Redis is unreachable (at start or later), every call that needs it settles within
 * `unavailableTimeout` with `AsyncError` `ERR_BACKEND`; nothing is queued or resent later.
 * When Redis returns, the layer reconnects by itself, subscribes again and writes its
 * memberships again. `close()` settles within the same bound and leaves nothing running.
 *
 * @param options - `url`, `unavailableTimeout`, buffer `capacity`, `expiry`, `groupExpiry` and a key `prefix`.
 * @example
 * ```ts
 * import { redisLayer } from '@adv/async/redis';
 * const layer = redisLayer({ url: process.env.REDIS_URL!, unavailableTimeout: 2_000 });
 * await layer.groupSend('chat', { text: 'hello from any process' });
 * ```
 */
export function redisLayer(options: RedisLayerOptions): ChannelLayerWithStats {
  const o = resolveRedisLayerOptions(options);
  const { url, prefix } = o;
  const local = new LocalChannels(checkLayerOptions(o));
  const connection = toIoredisOptions(o.redis);
  const Redis = loadIoredis();
  const processId = token(6);
  const names: Names = {
    groupTopic: (group) => `${prefix}:group:${group}`,
    processTopic: (id) => `${prefix}:process:${id}`,
    membersKey: (group) => `${prefix}:members:${group}`,
  };
  const onError = (error: Error) => local.reportError(error);
  const redis = new RedisConnections(Redis, url, connection, {
    local,
    names,
    bound: o.unavailableTimeout,
    ownTopic: names.processTopic(processId),
    onError,
  });
  const joins = membership(local, redis, names);
  const remote = new RemoteJoins({ redis, names, local, processId, ...joins, onError });
  const ctx: LayerContext = { local, redis, names, processId, remote, membership: joins, onError };
  redis.sub.client.on('message', topicListener(ctx));

  let closing: Promise<void> | undefined;
  return {
    backendInfo: { name: BACKEND_NAME, sharedAcrossProcesses: true },
    groupExpiry: local.options.groupExpiry,
    ...channelMethods(ctx),
    ...groupMethods(ctx),
    receive: (channel, signal) => local.receive(channel, signal),
    subscribe: (channel, listener) => local.subscribe(channel, listener),
    reportDropped: (event) => local.reportDropped(event),
    get dropped() {
      return local.dropped;
    },
    stats() {
      const since = [redis.pub.downSince, redis.sub.downSince].filter((at): at is number => at !== null);
      const downSince = since.length === 0 ? null : Math.min(...since);
      return { ...local.stats(), backend: { name: BACKEND_NAME, up: downSince === null, downSince } };
    },
    on: (event, listener) => local.on(event, listener),
    close() {
      closing ??= (async () => {
        local.closeAll();
        remote.failAll(new AsyncError('ERR_CLOSED', 'The channel layer was closed'));
        await redis.close();
      })();
      return closing;
    },
  };
}
