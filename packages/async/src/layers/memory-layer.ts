import { asyncOptions } from '../validate.js';
import { parseRemembered } from './json-cache.js';
import { checkLayerOptions, LAYER_KEYS, LocalChannels } from './local-channels.js';
import { checkName, token } from './names.js';
import { type ChannelLayerOptions, type ChannelLayerWithStats, LAYER_DEFAULTS } from './types.js';

const BACKEND_NAME = '@adv/async:memory';

/** Serialises once so the memory layer accepts exactly what the Redis layer accepts. */
function roundTrip(message: unknown): unknown {
  const text = JSON.stringify(message);
  if (text === undefined)
    throw new TypeError(`Expected \`message\` to be JSON-serialisable, got \`${String(message)}\` (${typeof message})`);
  return parseRemembered(text);
}

/**
 * The in-process channel layer (Channels' `InMemoryChannelLayer`): the default, for one
 * process. Messages go through one JSON round trip, so code that works here works on Redis.
 *
 * @param options - Buffer `capacity`, message `expiry` and `groupExpiry`.
 * @example
 * ```ts
 * const layer = memoryLayer({ capacity: 50 });
 * layer.on('dropped', ({ channel, reason }) => console.warn('dropped', channel, reason));
 * ```
 */
export function memoryLayer(options?: ChannelLayerOptions): ChannelLayerWithStats {
  const local = new LocalChannels(checkLayerOptions(asyncOptions('memoryLayer', options, LAYER_KEYS, LAYER_DEFAULTS)));
  const processId = token(6);
  return {
    backendInfo: { name: BACKEND_NAME, sharedAcrossProcesses: false },
    groupExpiry: local.options.groupExpiry,
    newChannel: (prefix = 'ws') => local.newChannel(processId, prefix),
    async send(channel, message) {
      checkName('channel', channel);
      local.assertOpen();
      local.deliver(channel, roundTrip(message));
      local.sent += 1;
    },
    receive: (channel, signal) => local.receive(channel, signal),
    subscribe: (channel, listener) => local.subscribe(channel, listener),
    async groupAdd(group, channel) {
      checkName('group', group);
      checkName('channel', channel);
      local.assertOpen();
      local.addMember(group, channel);
    },
    async groupDiscard(group, channel) {
      checkName('group', group);
      checkName('channel', channel);
      local.assertOpen();
      local.removeMember(group, channel);
    },
    async groupSend(group, message) {
      checkName('group', group);
      local.assertOpen();
      local.deliverToGroup(group, roundTrip(message));
      local.sent += 1;
    },
    async groupMembers(group) {
      checkName('group', group);
      local.assertOpen();
      const now = Date.now();
      return [...(local.groups.get(group) ?? [])]
        .filter(([, expiresAt]) => expiresAt > now)
        .map(([channel]) => channel);
    },
    closeChannel(channel) {
      for (const group of local.closeChannel(channel)) local.removeMember(group, channel);
    },
    reportDropped: (event) => local.reportDropped(event),
    get dropped() {
      return local.dropped;
    },
    stats: () => ({ ...local.stats(), backend: { name: BACKEND_NAME, up: true, downSince: null } }),
    on: (event, listener) => local.on(event, listener),
    async close() {
      local.closeAll();
    },
  };
}
