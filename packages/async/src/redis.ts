/**
 * `@adv/async/redis`: the channel layer on Redis pub/sub. `ioredis` is an optional peer
 * dependency (`npm install ioredis`); the root `@adv/async` never loads it.
 */
export { redisLayer } from './layers/redis/layer.js';
export type { RedisConnectionOptions, RedisLayerOptions } from './layers/redis/options.js';
export { REDIS_LAYER_DEFAULTS } from './layers/redis/options.js';
