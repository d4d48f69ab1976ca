export { BullmqBackend, bullmqBackend } from './bullmq/backend.js';
export type { BullmqBackendOptions, RedisConnectionOptions } from './bullmq/options.js';
export { BULLMQ_DEFAULTS } from './bullmq/options.js';
