/**
 * The methods of `redisLayer()`, in groups over one shared context: channel messaging, group
 * membership and broadcast, and the subscriber's message listener. `layer.ts` validates the
 * options and wires them together.
 */
import { parseRemembered } from '../json-cache.js';
import type { LocalChannels } from '../local-channels.js';
import { checkName, processOf } from '../names.js';
import type { ChannelLayer } from '../types.js';
import { execOrThrow, type Names, type RedisConnections } from './connections.js';
import type { RemoteControl, RemoteJoins } from './remote.js';

/** What every method of one Redis layer works on. */
export interface LayerContext {
  local: LocalChannels;
  redis: RedisConnections;
  names: Names;
  processId: string;
  remote: RemoteJoins;
  membership: Membership;
  onError(error: Error): void;
}

/** Local membership of this process's channels, and the group subscriptions it needs. */
export interface Membership {
  joinLocally(group: string, channel: string, deadline: number): Promise<void>;
  leaveLocally(group: string, channel: string): Promise<void>;
}

function serialise(message: unknown): string {
  const text = JSON.stringify(message);
  if (text === undefined)
    throw new TypeError(`Expected \`message\` to be JSON-serialisable, got \`${String(message)}\` (${typeof message})`);
  return text;
}

export function membership(local: LocalChannels, redis: RedisConnections, names: Names): Membership {
  async function leaveLocally(group: string, channel: string): Promise<void> {
    if (local.removeMember(group, channel)) await redis.unsubscribe(names.groupTopic(group));
  }
  async function joinLocally(group: string, channel: string, deadline: number): Promise<void> {
    const isNew = local.addMember(group, channel);
    try {
      await redis.ensureSubscribed(names.groupTopic(group), deadline);
    } catch (error) {
      // Not a member after all: the caller is told it failed, so it must not start receiving later.
      if (isNew) {
        await leaveLocally(group, channel);
        redis.forget(group, channel);
      }
      throw error;
    }
  }
  return { joinLocally, leaveLocally };
}

/** The subscriber's `message` listener: direct messages and remote joins on this process's topic, group messages on theirs. */
export function topicListener(ctx: LayerContext): (topic: string, text: string) => void {
  const { local, remote, processId, onError } = ctx;
  const ownTopic = ctx.names.processTopic(processId);
  const groupPrefix = ctx.names.groupTopic('');
  return (topic, text) => {
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
  };
}

/** `newChannel`, `send` and `closeChannel`. */
export function channelMethods(ctx: LayerContext): Pick<ChannelLayer, 'newChannel' | 'send' | 'closeChannel'> {
  const { local, redis, processId, onError } = ctx;
  const { pub } = redis;
  return {
    newChannel: (channelPrefix = 'ws') => local.newChannel(processId, channelPrefix),
    async send(channel, message) {
      checkName('channel', channel);
      local.assertOpen();
      const text = serialise(message);
      const owner = processOf(channel);
      if (owner === processId) {
        local.deliver(channel, parseRemembered(text));
        local.sent += 1;
        return;
      }
      const receivers = await pub.call(
        `send to channel \`${channel}\``,
        () => pub.client.publish(ctx.names.processTopic(owner), `[${JSON.stringify(channel)},${text}]`),
        redis.deadline(),
      );
      local.sent += 1;
      // No process listens on the owner's topic (it exited): the message is dropped, not lost silently.
      if (receivers === 0) local.reportDropped({ channel, reason: 'closed', message: JSON.parse(text) });
    },
    closeChannel(channel) {
      for (const group of local.closeChannel(channel)) {
        redis.forget(group, channel);
        ctx.membership.leaveLocally(group, channel).catch(onError);
      }
    },
  };
}

type GroupMethods = Pick<ChannelLayer, 'groupAdd' | 'groupDiscard' | 'groupSend' | 'groupMembers'>;

/** `groupAdd`, `groupDiscard`, `groupSend` and `groupMembers`. */
export function groupMethods(ctx: LayerContext): GroupMethods {
  const { local, redis, processId, remote, names } = ctx;
  const [{ pub }, { membersKey }, { joinLocally, leaveLocally }] = [redis, names, ctx.membership];
  return {
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
      await pub.call(what, () => pub.client.publish(names.processTopic(owner), JSON.stringify(control)), deadline);
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
        () => pub.client.publish(names.groupTopic(group), `${processId} ${text}`),
        redis.deadline(),
      );
      local.sent += 1;
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
  };
}
