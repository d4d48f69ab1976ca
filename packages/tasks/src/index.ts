export type { TaskErrorCode } from './errors.js';
export { TaskError } from './errors.js';
