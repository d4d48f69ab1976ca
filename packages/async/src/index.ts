export type { AsyncErrorCode } from './errors.js';
export { AsyncError } from './errors.js';
