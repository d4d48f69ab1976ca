export type { HonoContextLike, HonoMiddleware } from './adapters/hono.js';
export { toHono } from './adapters/hono.js';
export type { ExpressMiddleware, NodeAdapterOptions, NodeHandler } from './adapters/node.js';
export { toExpress, toNodeHandler } from './adapters/node.js';
export type { DeadlineOptions } from './concurrency/deadline.js';
export { deadline } from './concurrency/deadline.js';
export type { GatherOptions, GatherTask, TaskResult } from './concurrency/gather.js';
export { gather } from './concurrency/gather.js';
export type { Limit, LimitCallOptions } from './concurrency/limit.js';
export { limit } from './concurrency/limit.js';
export type { OffloadOptions, WorkerPool, WorkerPoolOptions } from './concurrency/offload.js';
export { createWorkerPool, offload } from './concurrency/offload.js';
export type { AsyncErrorCode } from './errors.js';
export { AsyncError } from './errors.js';
export { memoryLayer } from './layers/memory-layer.js';
export type {
  ChannelLayer,
  ChannelLayerEvents,
  ChannelLayerOptions,
  ChannelLayerStats,
  ChannelLayerWithStats,
  DroppedMessage,
  DropReason,
} from './layers/types.js';
export { LAYER_DEFAULTS } from './layers/types.js';
export {
  html,
  isGlobalResponseOverridden,
  json,
  OriginalResponse,
  overrideGlobalResponse,
  text,
} from './response/index.js';
export type { ServeOptions } from './server/options.js';
export { SERVE_DEFAULTS } from './server/options.js';
export type { Server } from './server/serve.js';
export { serve } from './server/serve.js';
export type { ChunkSource } from './streaming/iterable-stream.js';
export type { SseEvent, SseOptions } from './streaming/sse.js';
export { formatSse, sse } from './streaming/sse.js';
export { streamResponse } from './streaming/stream-response.js';
export { consumer } from './websocket/consumer.js';
export type {
  AnyWebSocketRoute,
  BackpressureOptions,
  ReadyState,
  WebSocketContext,
  WebSocketInit,
  WebSocketMessage,
  WebSocketRoute,
} from './websocket/types.js';
export { WEBSOCKET_DEFAULTS } from './websocket/types.js';
