import type { OptionKeys } from '@adv/types';
import type { ChannelLayer } from '../layers/types.js';
import { asyncOptions, checkCount, checkFunction, invalidOption, nestedOptions } from '../validate.js';
import { type BackpressureOptions, WEBSOCKET_DEFAULTS, type WebSocketRoute } from './types.js';

/** A route with its defaults resolved, as the adapter uses it. */
export interface ResolvedRoute<Data> extends WebSocketRoute<Data> {
  maxGroupsPerConnection: number;
  maxMessageSize: number;
  heartbeatInterval: number;
  backpressure: { limit: number; policy: 'drop' | 'close' };
  layer: ChannelLayer;
}

/**
 * Declares a WebSocket consumer: validates it once and returns it with its `Data` type
 * inferred from `authenticate`. Pass it in `serve(handler, { websocket: { '/ws': … } })`.
 *
 * @param route - Hooks (`authenticate`, `connect`, `receive`, `disconnect`, `groupMessage`) and limits.
 * @example
 * ```ts
 * const chat = consumer({
 *   authenticate: (request) => request.headers.get('cookie')?.includes('session=') ? { user: 'ann' } : new Response(null, { status: 401 }),
 *   connect: (ctx) => ctx.groupAdd('lobby'),
 *   receive: (ctx, message) => message.type === 'text' && ctx.groupSend('lobby', { from: ctx.data.user, text: message.text }),
 * });
 * ```
 */
export function consumer<Data = undefined>(route: WebSocketRoute<Data>): WebSocketRoute<Data> {
  checkedRoute(route);
  return route;
}

/** Every option name of {@link WebSocketRoute}. */
const ROUTE_KEYS: OptionKeys<WebSocketRoute> = {
  authenticate: true,
  connect: true,
  receive: true,
  disconnect: true,
  groupMessage: true,
  layer: true,
  allowedOrigins: true,
  allowedHosts: true,
  protocols: true,
  maxGroupsPerConnection: true,
  maxMessageSize: true,
  heartbeatInterval: true,
  backpressure: true,
};

/** An RFC 7230 `token`: what a subprotocol name must be. */
const PROTOCOL_TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/** Every option name of {@link BackpressureOptions}. */
const BACKPRESSURE_KEYS: OptionKeys<BackpressureOptions> = { limit: true, policy: true };

const { backpressure: BACKPRESSURE_DEFAULTS, ...ROUTE_DEFAULTS } = WEBSOCKET_DEFAULTS;

/** Validates a route and applies its defaults, but for `layer` (an explicit `undefined` keeps a default, in `backpressure` too). */
function checkedRoute<Data>(
  route: WebSocketRoute<Data>,
): Omit<ResolvedRoute<Data>, 'layer'> & Pick<WebSocketRoute<Data>, 'layer'> {
  if (route === null || typeof route !== 'object' || Array.isArray(route)) {
    throw invalidOption('route', 'an object of consumer hooks', route);
  }
  const o = asyncOptions('consumer', route, ROUTE_KEYS as OptionKeys<WebSocketRoute<Data>>, ROUTE_DEFAULTS);
  for (const hook of ['authenticate', 'connect', 'receive', 'disconnect', 'groupMessage'] as const) {
    checkFunction(hook, o[hook]);
  }
  checkCount('maxMessageSize', o.maxMessageSize, { min: 1, unit: 'number of bytes' });
  checkCount('heartbeatInterval', o.heartbeatInterval, { unit: 'number of milliseconds' });
  checkCount('maxGroupsPerConnection', o.maxGroupsPerConnection, { min: 1, infinite: true });
  if (o.allowedHosts !== undefined) {
    if (!Array.isArray(o.allowedHosts) || o.allowedHosts.some((item) => typeof item !== 'string' || item === '')) {
      throw invalidOption(
        'allowedHosts',
        "an array of host names (`example.com`, `.example.com` or `'*'`)",
        o.allowedHosts,
      );
    }
  }
  if (o.protocols !== undefined) {
    const list = o.protocols;
    if (
      !Array.isArray(list) ||
      list.some((item, index) => typeof item !== 'string' || !PROTOCOL_TOKEN.test(item) || list.indexOf(item) !== index)
    ) {
      throw invalidOption('protocols', 'an array of distinct subprotocol names (RFC 7230 tokens)', list);
    }
  }
  if (o.allowedOrigins !== undefined) {
    if (!Array.isArray(o.allowedOrigins) || o.allowedOrigins.some((item) => typeof item !== 'string')) {
      throw invalidOption('allowedOrigins', 'an array of origin or host strings', o.allowedOrigins);
    }
  }
  if (o.backpressure === null || (o.backpressure !== undefined && typeof o.backpressure !== 'object')) {
    throw invalidOption('backpressure', 'an object { limit, policy }', o.backpressure);
  }
  const backpressure = nestedOptions(
    'consumer',
    'backpressure',
    o.backpressure,
    BACKPRESSURE_KEYS,
    BACKPRESSURE_DEFAULTS,
  );
  checkCount('backpressure.limit', backpressure.limit, { min: 1, unit: 'number of bytes' });
  if (backpressure.policy !== 'drop' && backpressure.policy !== 'close') {
    throw invalidOption('backpressure.policy', "'drop' or 'close'", backpressure.policy);
  }
  if (o.layer !== undefined && (o.layer === null || typeof o.layer.groupSend !== 'function')) {
    throw invalidOption('layer', 'a ChannelLayer (memoryLayer() or redisLayer())', o.layer);
  }
  return { ...o, backpressure };
}

/**
 * Validates a route and applies its defaults. `serve` calls it once per route at start-up, so
 * routes that skipped `consumer()` are checked as well; nothing is checked again per connection
 * or message.
 */
export function resolveRoute<Data>(route: WebSocketRoute<Data>, layer: () => ChannelLayer): ResolvedRoute<Data> {
  const checked = checkedRoute(route);
  return { ...checked, layer: checked.layer ?? layer() };
}
