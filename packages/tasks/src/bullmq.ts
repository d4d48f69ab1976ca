export type { BullmqBackendOptions } from './bullmq/backend.js';
export { BullmqBackend, bullmqBackend } from './bullmq/backend.js';
