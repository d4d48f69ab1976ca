export { compose } from './compose.js';
export type {
  BackendInfo,
  CacheLike,
  CacheStatsLike,
  CacheWriteOptions,
  ChannelLayerStatsLike,
  DescribesBackend,
  EnqueueLike,
  GroupSender,
  HasStats,
  ReadinessCheck,
  SignalLike,
  TagInvalidator,
} from './contracts.js';
export { AdvError, describeValue } from './errors.js';
export { withHeaders } from './headers.js';
export type { Handler, Middleware, Next } from './http.js';
export type { Logger, LogMethod } from './logger.js';
export { silentLogger } from './logger.js';
export type { OptionKeys, OptionReaders, Resolved, ResolveOptionsSpec } from './options.js';
export {
  didYouMean,
  expectedMessage,
  optionReaders,
  resolveOptions,
  unknownOptionMessage,
} from './options.js';
export { pathnameOf } from './url.js';
