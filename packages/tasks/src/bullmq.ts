export { BullmqBackend, bullmqBackend } from './bullmq/backend.js';
export type { BullmqBackendOptions } from './bullmq/options.js';
