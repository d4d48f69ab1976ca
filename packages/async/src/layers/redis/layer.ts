import { AsyncError } from '../../errors.js';
import { checkCount, invalidOption } from '../../validate.js';
import { parseRemembered } from '../json-cache.js';
import { checkLayerOptions, LocalChannels } from '../local-channels.js';
import { channelName, checkName, processOf, token } from '../names.js';
import type { ChannelLayer } from '../types.js';
import { execOrThrow, type Names, RedisConnections } from './connections.js';
import { loadIoredis } from './load-ioredis.js';
import { REDIS_LAYER_DEFAULTS, type RedisLayerOptions, toIoredisOptions } from './options.js';

/** Pauses between asking again when no process listens on an owner's topic (it may be starting). */
const PROCESS_RETRY_PAUSES = [25, 50, 100, 200, 400];
/** How long `groupAdd` of another process's channel waits for that process to confirm. */
const REMOTE_JOIN_TIMEOUT = 10_000;
const MAX_TIMER_DELAY = 2_147_483_647;

/** Membership changes of a channel owned by another process, sent on that process's topic. */
type RemoteControl =
  | { op: 'join'; group: string; channel: string; reply: string; id: string }
  | { op: 'leave'; group: string; channel: string }
  | { op: 'ack'; id: string };

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
  if (options === null || typeof options !== 'object')
    throw invalidOption('options', 'an object with a `url`', options);
  if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw invalidOption('url', 'a redis:// or rediss:// URL', options.url);
  }
  const prefix = options.prefix ?? REDIS_LAYER_DEFAULTS.prefix;
  if (typeof prefix !== 'string' || prefix === '') throw invalidOption('prefix', 'a non-empty string', prefix);
  checkCount('unavailableTimeout', options.unavailableTimeout, { min: 1, unit: 'number of milliseconds' });
  const bound = options.unavailableTimeout ?? REDIS_LAYER_DEFAULTS.unavailableTimeout;
  if (bound > MAX_TIMER_DELAY) throw invalidOption('unavailableTimeout', `at most ${MAX_TIMER_DELAY} ms`, bound);
  const local = new LocalChannels(checkLayerOptions(options));
  const connection = toIoredisOptions(options.redis);
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
  const redis = new RedisConnections(Redis, options.url, connection, { local, names, bound, ownTopic, onError });
  const { pub, sub } = redis;

  /** Joins of other processes' channels waiting for their owner's acknowledgement. */
  const pendingJoins = new Map<string, { resolve(): void; reject(error: AsyncError): void }>();
  const failJoins = (error: AsyncError) => {
    for (const join of [...pendingJoins.values()]) join.reject(error);
  };
  // An acknowledgement cannot arrive without the subscriber connection: fail at once.
  sub.client.on('close', () =>
    failJoins(new AsyncError('ERR_BACKEND', 'groupAdd(): the connection to Redis closed before the owner confirmed')),
  );

  const onControl = (control: RemoteControl) => {
    if (control.op === 'ack') {
      pendingJoins.get(control.id)?.resolve();
      return;
    }
    if (local.closed) return;
    const deadline = redis.deadline();
    let done: Promise<unknown>;
    if (control.op === 'leave') done = leaveLocally(control.group, control.channel);
    // A channel of this process that is already closed is no member to keep.
    else if (local.has(control.channel)) done = joinLocally(control.group, control.channel, deadline);
    else
      done = pub.call(
        'drop a closed member',
        () => pub.client.zrem(membersKey(control.group), control.channel),
        deadline,
      );
    done
      .then(() =>
        control.op === 'join'
          ? pub.call(
              'confirm a join',
              () => pub.client.publish(processTopic(control.reply), JSON.stringify({ op: 'ack', id: control.id })),
              deadline,
            )
          : undefined,
      )
      .catch(onError);
  };

  sub.client.on('message', (topic: string, text: string) => {
    try {
      if (topic === ownTopic) {
        // `[channel, message]` for a message; `{ op, … }` for a join/leave asked by another process.
        if (text.charCodeAt(0) === 123) onControl(JSON.parse(text) as RemoteControl);
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

  /**
   * Publishes to another process's topic and returns how many subscribers got it. Nobody may
   * mean the process exited, or that it started a moment ago and its subscription is still on
   * its way: ask again a few times (about 0.75 s in all, within `deadline`) before concluding it is gone.
   */
  async function publishToProcess(owner: string, text: string, deadline: number): Promise<number> {
    const publish = () =>
      pub.call(`send to process \`${owner}\``, () => pub.client.publish(processTopic(owner), text), deadline);
    for (const pause of PROCESS_RETRY_PAUSES) {
      const receivers = await publish();
      if (receivers > 0 || local.closed || Date.now() + pause >= deadline) return receivers;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    return publish();
  }

  /** `groupAdd` of a channel owned by another process: it joins locally (and subscribes) before this resolves. */
  async function addRemote(group: string, channel: string, owner: string, deadline: number): Promise<void> {
    await redis.ensureSubscribed(ownTopic, deadline); // where the acknowledgement arrives
    const id = token();
    let timer: NodeJS.Timeout | undefined;
    const acked = new Promise<void>((resolve, reject) => {
      pendingJoins.set(id, { resolve, reject });
    });
    acked.catch(() => {});
    try {
      const control: RemoteControl = { op: 'join', group, channel, reply: processId, id };
      const receivers = await publishToProcess(owner, JSON.stringify(control), deadline);
      if (receivers === 0) {
        // No such process (it exited): no member to keep.
        await pub.call('drop a gone member', () => pub.client.zrem(membersKey(group), channel), deadline);
        return;
      }
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new AsyncError(
                'ERR_TIMEOUT',
                `groupAdd(): the process owning \`${channel}\` did not confirm joining \`${group}\` within ${REMOTE_JOIN_TIMEOUT} ms`,
              ),
            ),
          REMOTE_JOIN_TIMEOUT,
        );
      });
      await Promise.race([acked, timeout]);
    } finally {
      clearTimeout(timer);
      pendingJoins.delete(id);
    }
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
      else await addRemote(group, channel, owner, deadline);
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
        failJoins(new AsyncError('ERR_CLOSED', 'The channel layer was closed'));
        await redis.close();
      })();
      return closing;
    },
  };
}
