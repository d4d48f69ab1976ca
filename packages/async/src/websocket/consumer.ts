import type { ChannelLayer } from '../layers/types.js';
import { checkCount, checkFunction, invalidOption } from '../validate.js';
import { WEBSOCKET_DEFAULTS, type WebSocketRoute } from './types.js';

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
  if (route === null || typeof route !== 'object') throw invalidOption('route', 'an object of consumer hooks', route);
  for (const hook of ['authenticate', 'connect', 'receive', 'disconnect', 'groupMessage'] as const) {
    checkFunction(hook, route[hook]);
  }
  checkCount('maxMessageSize', route.maxMessageSize, { min: 1, unit: 'number of bytes' });
  checkCount('heartbeatInterval', route.heartbeatInterval, { unit: 'number of milliseconds' });
  checkCount('maxGroupsPerConnection', route.maxGroupsPerConnection, { min: 1, infinite: true });
  if (route.allowedHosts !== undefined) {
    if (
      !Array.isArray(route.allowedHosts) ||
      route.allowedHosts.some((item) => typeof item !== 'string' || item === '')
    ) {
      throw invalidOption(
        'allowedHosts',
        "an array of host names (`example.com`, `.example.com` or `'*'`)",
        route.allowedHosts,
      );
    }
  }
  if (route.allowedOrigins !== undefined) {
    if (!Array.isArray(route.allowedOrigins) || route.allowedOrigins.some((item) => typeof item !== 'string')) {
      throw invalidOption('allowedOrigins', 'an array of origin or host strings', route.allowedOrigins);
    }
  }
  const backpressure = route.backpressure;
  if (backpressure !== undefined) {
    if (backpressure === null || typeof backpressure !== 'object') {
      throw invalidOption('backpressure', 'an object { limit, policy }', backpressure);
    }
    checkCount('backpressure.limit', backpressure.limit, { min: 1, unit: 'number of bytes' });
    if (backpressure.policy !== undefined && backpressure.policy !== 'drop' && backpressure.policy !== 'close') {
      throw invalidOption('backpressure.policy', "'drop' or 'close'", backpressure.policy);
    }
  }
  if (route.layer !== undefined && (route.layer === null || typeof route.layer.groupSend !== 'function')) {
    throw invalidOption('layer', 'a ChannelLayer (memoryLayer() or redisLayer())', route.layer);
  }
  return route;
}

/** Applies defaults to a route (after validating it, in case `consumer()` was skipped). */
export function resolveRoute<Data>(route: WebSocketRoute<Data>, layer: () => ChannelLayer): ResolvedRoute<Data> {
  consumer(route);
  return {
    ...route,
    maxGroupsPerConnection: route.maxGroupsPerConnection ?? WEBSOCKET_DEFAULTS.maxGroupsPerConnection,
    maxMessageSize: route.maxMessageSize ?? WEBSOCKET_DEFAULTS.maxMessageSize,
    heartbeatInterval: route.heartbeatInterval ?? WEBSOCKET_DEFAULTS.heartbeatInterval,
    backpressure: { ...WEBSOCKET_DEFAULTS.backpressure, ...route.backpressure },
    layer: route.layer ?? layer(),
  };
}
