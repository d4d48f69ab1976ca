export type { CacheErrorCode } from './errors.js';
export { CacheError } from './errors.js';
