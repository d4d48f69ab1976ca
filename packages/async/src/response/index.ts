/**
 * Response shims: lazy `Response`s made by `text()`, `json()` and `html()` (and by the global
 * `Response` once `overrideGlobalResponse()` replaced it), which hold their body and init until
 * something needs undici's object. Depends on nothing but `validate.ts`; the bridge reads them
 * with `lazyParts()`.
 */
export type { LazySource } from './lazy-response.js';
export { html, isLazyResponse, json, lazyHeaderList, lazyParts, lazySource, text } from './lazy-response.js';
export { LightHeaders } from './light-headers.js';
export { isGlobalResponseOverridden, OriginalResponse, overrideGlobalResponse } from './light-response.js';
export { nodeHeaders } from './node-headers.js';
