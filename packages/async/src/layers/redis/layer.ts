import { AsyncError } from '../../errors.js';
import { invalidOption } from '../../validate.js';
import { parseRemembered } from '../json-cache.js';
import { checkLayerOptions, LocalChannels } from '../local-channels.js';
import { channelName, checkName, processOf, token } from '../names.js';
import type { ChannelLayer } from '../types.js';
import { loadIoredis } from './load-ioredis.js';
import { type RedisLayerOptions, toIoredisOptions } from './options.js';

/** Pauses between asking again when no process listens on an owner's topic (it may be starting). */
const PROCESS_RETRY_PAUSES = [25, 50, 100, 200, 400];
/** How long `groupAdd` of another process's channel waits for that process to confirm. */
const REMOTE_JOIN_TIMEOUT = 10_000;

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
 * @param options - `url` plus buffer `capacity`, `expiry`, `groupExpiry` and a key `prefix`.
 * @example
 * ```ts
 * const layer = redisLayer({ url: process.env.REDIS_URL! });
 * await layer.groupSend('chat', { text: 'hello from any process' });
 * ```
 */
export function redisLayer(options: RedisLayerOptions): ChannelLayer {
  if (options === null || typeof options !== 'object')
    throw invalidOption('options', 'an object with a `url`', options);
  if (typeof options.url !== 'string' || !/^rediss?:\/\//.test(options.url)) {
    throw invalidOption('url', 'a redis:// or rediss:// URL', options.url);
  }
  const prefix = options.prefix ?? 'adv:channels';
  if (typeof prefix !== 'string' || prefix === '') throw invalidOption('prefix', 'a non-empty string', prefix);
  const local = new LocalChannels(checkLayerOptions(options));
  const processId = token(6);
  const connection = toIoredisOptions(options.redis);
  const Redis = loadIoredis();
  const pub = new Redis(options.url, { ...connection, lazyConnect: false });
  const sub = pub.duplicate();
  const onError = (error: Error) => local.reportError(error);
  pub.on('error', onError);
  sub.on('error', onError);

  const groupTopic = (group: string) => `${prefix}:group:${group}`;
  const processTopic = (id: string) => `${prefix}:process:${id}`;
  const membersKey = (group: string) => `${prefix}:members:${group}`;
  const groupPrefix = `${prefix}:group:`;
  const ownTopic = processTopic(processId);

  /** Joins of this process's channels asked for by other processes, acknowledged once subscribed. */
  const pendingJoins = new Map<string, () => void>();
  const onControl = (control: RemoteControl) => {
    if (control.op === 'ack') {
      pendingJoins.get(control.id)?.();
      return;
    }
    if (local.closed) return;
    let done: Promise<unknown>;
    if (control.op === 'leave') done = leaveLocally(control.group, control.channel);
    // A channel of this process that is already closed is no member to keep.
    else if (local.has(control.channel)) done = joinLocally(control.group, control.channel);
    else done = pub.zrem(membersKey(control.group), control.channel);
    done
      .then(() =>
        control.op === 'join'
          ? pub.publish(processTopic(control.reply), JSON.stringify({ op: 'ack', id: control.id }))
          : undefined,
      )
      .catch(onError);
  };

  sub.on('message', (topic: string, text: string) => {
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
  const ready = sub.subscribe(ownTopic);
  ready.catch(onError);
  /** Group subscriptions in flight or done, so concurrent groupAdds subscribe once. */
  const subscribed = new Map<string, Promise<unknown>>();

  /** Local membership of one of this process's channels, and the group subscription it needs. */
  async function joinLocally(group: string, channel: string): Promise<void> {
    local.addMember(group, channel);
    let subscription = subscribed.get(group);
    if (subscription === undefined) {
      subscription = sub.subscribe(groupTopic(group));
      subscribed.set(group, subscription);
    }
    await Promise.all([subscription, ready]);
  }

  /**
   * Publishes to another process's topic and returns how many subscribers got it. Nobody may
   * mean the process exited, or that it started a moment ago and its subscription is still on
   * its way: ask again a few times (about 0.75 s in all) before concluding it is gone.
   */
  async function publishToProcess(owner: string, text: string): Promise<number> {
    for (const pause of PROCESS_RETRY_PAUSES) {
      const receivers = await pub.publish(processTopic(owner), text);
      if (receivers > 0 || local.closed) return receivers;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    return pub.publish(processTopic(owner), text);
  }

  async function leaveLocally(group: string, channel: string): Promise<void> {
    if (local.removeMember(group, channel) && subscribed.has(group)) {
      subscribed.delete(group);
      await sub.unsubscribe(groupTopic(group));
    }
  }

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
      if (owner === processId) local.deliver(channel, parseRemembered(text));
      else {
        const receivers = await pub.publish(processTopic(owner), `[${JSON.stringify(channel)},${text}]`);
        // No process listens on the owner's topic (it exited): the message is dropped, not lost silently.
        if (receivers === 0) local.reportDropped({ channel, reason: 'closed', message: JSON.parse(text) });
      }
    },
    receive: (channel, signal) => local.receive(channel, signal),
    subscribe: (channel, listener) => local.subscribe(channel, listener),
    async groupAdd(group, channel) {
      checkName('group', group);
      checkName('channel', channel);
      local.assertOpen();
      const expiresAt = Date.now() + local.options.groupExpiry * 1000;
      await pub
        .multi()
        .zadd(membersKey(group), expiresAt, channel)
        .pexpire(membersKey(group), local.options.groupExpiry * 1000)
        .exec();
      const owner = processOf(channel);
      if (owner === processId) {
        await joinLocally(group, channel);
        return;
      }
      // Another process owns the channel: it must join locally (and subscribe to the group)
      // for the channel to get group messages. Resolve once it says it has.
      await ready;
      const id = token();
      const acked = new Promise<void>((resolve) => pendingJoins.set(id, resolve));
      try {
        const control: RemoteControl = { op: 'join', group, channel, reply: processId, id };
        const receivers = await publishToProcess(owner, JSON.stringify(control));
        if (receivers === 0) {
          // No such process (it exited): no member to keep.
          await pub.zrem(membersKey(group), channel);
          return;
        }
        let timer: NodeJS.Timeout | undefined;
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
        await Promise.race([acked, timeout]).finally(() => clearTimeout(timer));
      } finally {
        pendingJoins.delete(id);
      }
    },
    async groupDiscard(group, channel) {
      checkName('group', group);
      checkName('channel', channel);
      local.assertOpen();
      await pub.zrem(membersKey(group), channel);
      const owner = processOf(channel);
      if (owner === processId) await leaveLocally(group, channel);
      else {
        const control: RemoteControl = { op: 'leave', group, channel };
        await pub.publish(processTopic(owner), JSON.stringify(control));
      }
    },
    async groupSend(group, message) {
      checkName('group', group);
      local.assertOpen();
      const text = serialise(message);
      // Local members first, without a Redis round trip (as Socket.IO's Redis adapter does);
      // the other processes get it through pub/sub and skip nothing.
      local.deliverToGroup(group, parseRemembered(text));
      await pub.publish(groupTopic(group), `${processId} ${text}`);
    },
    async groupMembers(group) {
      checkName('group', group);
      local.assertOpen();
      const [, members] = (await pub
        .multi()
        .zremrangebyscore(membersKey(group), '-inf', Date.now())
        .zrange(membersKey(group), '0', '-1')
        .exec()) as [[Error | null, number], [Error | null, string[]]];
      if (members[0]) throw members[0];
      return members[1];
    },
    closeChannel(channel) {
      for (const group of local.closeChannel(channel)) {
        Promise.all([pub.zrem(membersKey(group), channel), leaveLocally(group, channel)]).catch(onError);
      }
    },
    reportDropped: (event) => local.reportDropped(event),
    get dropped() {
      return local.dropped;
    },
    on: (event, listener) => local.on(event, listener),
    async close() {
      if (local.closed) return;
      local.closeAll();
      subscribed.clear();
      await Promise.allSettled([pub.quit(), sub.quit()]);
    },
  };
}
