import { AsyncError } from '../../errors.js';
import { asyncOptions, checkCount, invalidOption } from '../../validate.js';
import { parseRemembered } from '../json-cache.js';
import { checkLayerOptions, LocalChannels } from '../local-channels.js';
import { channelName, checkName, processOf, token } from '../names.js';
import type { ChannelLayer } from '../types.js';
import { execOrThrow, type Names, RedisConnections } from './connections.js';
import { loadIoredis } from './load-ioredis.js';
import { REDIS_LAYER_KEYS, REDIS_RESOLVE_DEFAULTS, type RedisLayerOptions, toIoredisOptions } from './options.js';
import { type RemoteControl, RemoteJoins } from './remote.js';

const MAX_TIMER_DELAY = 2_147_483_647;

function serialise(message: unknown): string {
  const text = JSON.stringify(message);
  if (text === undefined)
    throw new TypeError(`Expected \`message\` to be JSON-serialisable, got \`${String(message)}\` (${typeof message})`);
  return text;
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
export function redisLayer(options: RedisLayerOptions): ChannelLayer {
  const o = asyncOptions('redisLayer', options, REDIS_LAYER_KEYS, REDIS_RESOLVE_DEFAULTS);
  const { url, prefix } = o;
  if (typeof url !== 'string' || !/^rediss?:\/\//.test(url)) {
    throw invalidOption('url', 'a redis:// or rediss:// URL', url);
  }
  if (typeof prefix !== 'string' || prefix === '') throw invalidOption('prefix', 'a non-empty string', prefix);
  checkCount('unavailableTimeout', o.unavailableTimeout, { min: 1, unit: 'number of milliseconds' });
  const bound = o.unavailableTimeout;
  if (bound > MAX_TIMER_DELAY) throw invalidOption('unavailableTimeout', `at most ${MAX_TIMER_DELAY} ms`, bound);
  const local = new LocalChannels(checkLayerOptions(o));
  const connection = toIoredisOptions(o.redis);
  const Redis = loadIoredis();
  const processId = token(6);
  const names: Names = {
    groupTopic: (group) => `${prefix}:group:${group}`,
    processTopic: (id) => `${prefix}:process:${id}`,
    membersKey: (group) => `${prefix}:members:${group}`,
  };
  const { groupTopic, processTopic, membersKey } = names;
  const groupPrefix = `${prefix}:group:`;
  const ownTopic = processTopic(processId);
  const onError = (error: Error) => local.reportError(error);
  const redis = new RedisConnections(Redis, url, connection, { local, names, bound, ownTopic, onError });
  const { pub, sub } = redis;
  const remote = new RemoteJoins({
    redis,
    names,
    local,
    processId,
    joinLocally: (group, channel, deadline) => joinLocally(group, channel, deadline),
    leaveLocally: (group, channel) => leaveLocally(group, channel),
    onError,
  });

  sub.client.on('message', (topic: string, text: string) => {
    try {
      if (topic === ownTopic) {
        // `[channel, message]` for a message; `{ op, … }` for a join/leave asked by another process.
        if (text.charCodeAt(0) === 123) remote.onControl(JSON.parse(text) as RemoteControl);
        else {
          const [channel, message] = JSON.parse(text) as [string, unknown];
          local.deliver(channel, parseRemembered(JSON.stringify(message)));
        }
      } else if (topic.startsWith(groupPrefix)) {
        // `<origin process> <json>`: this process already delivered its own messages locally.
        const space = text.indexOf(' ');
        if (text.slice(0, space) !== processId) {
          local.deliverToGroup(topic.slice(groupPrefix.length), parseRemembered(text.slice(space + 1)));
        }
      }
    } catch (error) {
      onError(error instanceof Error ? error : new Error(String(error)));
    }
  });

  /** Local membership of one of this process's channels, and the group subscription it needs. */
  async function joinLocally(group: string, channel: string, deadline: number): Promise<void> {
    const isNew = local.addMember(group, channel);
    try {
      await redis.ensureSubscribed(groupTopic(group), deadline);
    } catch (error) {
      // Not a member after all: the caller is told it failed, so it must not start receiving later.
      if (isNew) {
        await leaveLocally(group, channel);
        redis.forget(group, channel);
      }
      throw error;
    }
  }

  async function leaveLocally(group: string, channel: string): Promise<void> {
    if (local.removeMember(group, channel)) await redis.unsubscribe(groupTopic(group));
  }

  let closing: Promise<void> | undefined;

  return {
    backendInfo: { name: '@adv/async:redis', sharedAcrossProcesses: true },
    groupExpiry: local.options.groupExpiry,
    newChannel(channelPrefix = 'ws') {
      local.assertOpen();
      const channel = channelName(processId, channelPrefix);
      checkName('channel', channel);
      local.open(channel);
      return channel;
    },
    async send(channel, message) {
      checkName('channel', channel);
      local.assertOpen();
      const text = serialise(message);
      const owner = processOf(channel);
      if (owner === processId) {
        local.deliver(channel, parseRemembered(text));
        return;
      }
      const receivers = await pub.call(
        `send to channel \`${channel}\``,
        () => pub.client.publish(processTopic(owner), `[${JSON.stringify(channel)},${text}]`),
        redis.deadline(),
      );
      // No process listens on the owner's topic (it exited): the message is dropped, not lost silently.
      if (receivers === 0) local.reportDropped({ channel, reason: 'closed', message: JSON.parse(text) });
    },
    receive: (channel, signal) => local.receive(channel, signal),
    subscribe: (channel, listener) => local.subscribe(channel, listener),
    async groupAdd(group, channel) {
      checkName('group', group);
      checkName('channel', channel);
      local.assertOpen();
      const deadline = redis.deadline();
      const expiryMs = local.options.groupExpiry * 1000;
      await pub.call(
        `add \`${channel}\` to group \`${group}\``,
        () =>
          execOrThrow(
            pub.client
              .multi()
              .zadd(membersKey(group), Date.now() + expiryMs, channel)
              .pexpire(membersKey(group), expiryMs),
          ),
        deadline,
      );
      const owner = processOf(channel);
      if (owner === processId) await joinLocally(group, channel, deadline);
      else await remote.add(group, channel, owner, deadline);
    },
    async groupDiscard(group, channel) {
      checkName('group', group);
      checkName('channel', channel);
      local.assertOpen();
      const deadline = redis.deadline();
      const owner = processOf(channel);
      const what = `remove \`${channel}\` from group \`${group}\``;
      if (owner === processId) {
        // Leaves this process's group at once, whatever Redis does; Redis's list follows when it can.
        await leaveLocally(group, channel);
        await pub
          .call(what, () => pub.client.zrem(membersKey(group), channel), deadline)
          .catch((error: unknown) => {
            redis.noteRemoval(group, channel);
            throw error;
          });
        return;
      }
      await pub.call(what, () => pub.client.zrem(membersKey(group), channel), deadline);
      const control: RemoteControl = { op: 'leave', group, channel };
      await pub.call(what, () => pub.client.publish(processTopic(owner), JSON.stringify(control)), deadline);
    },
    async groupSend(group, message) {
      checkName('group', group);
      local.assertOpen();
      const text = serialise(message);
      // Local members first, without a Redis round trip (as Socket.IO's Redis adapter does);
      // the other processes get it through pub/sub and skip nothing.
      local.deliverToGroup(group, parseRemembered(text));
      await pub.call(
        `send to group \`${group}\``,
        () => pub.client.publish(groupTopic(group), `${processId} ${text}`),
        redis.deadline(),
      );
    },
    async groupMembers(group) {
      checkName('group', group);
      local.assertOpen();
      const [, members] = await pub.call(
        `list the members of group \`${group}\``,
        () =>
          execOrThrow(
            pub.client
              .multi()
              .zremrangebyscore(membersKey(group), '-inf', Date.now())
              .zrange(membersKey(group), '0', '-1'),
          ),
        redis.deadline(),
      );
      return members as string[];
    },
    closeChannel(channel) {
      for (const group of local.closeChannel(channel)) {
        redis.forget(group, channel);
        leaveLocally(group, channel).catch(onError);
      }
    },
    reportDropped: (event) => local.reportDropped(event),
    get dropped() {
      return local.dropped;
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
