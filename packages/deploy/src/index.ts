export type { DeployErrorCode } from './errors.js';
export { DeployError } from './errors.js';
