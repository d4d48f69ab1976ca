export { compose } from './compose.js';
export type {
  BackendInfo,
  CacheLike,
  CacheWriteOptions,
  DescribesBackend,
  EnqueueLike,
  GroupSender,
  ReadinessCheck,
  SignalLike,
  TagInvalidator,
} from './contracts.js';
export type { Handler, Middleware, Next } from './http.js';
export type { Logger, LogMethod } from './logger.js';
export { silentLogger } from './logger.js';
export type { OptionKeys, Resolved, ResolveOptionsSpec } from './options.js';
export { didYouMean, resolveOptions, unknownOptionMessage } from './options.js';
