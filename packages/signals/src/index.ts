export type { SignalErrorCode } from './errors.js';
export { SignalError } from './errors.js';
