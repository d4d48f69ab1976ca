export type { I18nErrorCode } from './errors.js';
export { I18nError } from './errors.js';
