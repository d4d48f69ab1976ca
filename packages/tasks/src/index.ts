export type { FailedJob, ProcessJobsOptions, TaskAppOptions } from './app.js';
export { createTaskApp, defineTask, getDefaultApp, TaskApp } from './app.js';
export { Chain, ChainHandle, chain, Group, GroupHandle, group } from './compose.js';
export type { SerializedError, TaskErrorCode } from './errors.js';
export { TaskError } from './errors.js';
export { DEFAULT_RESULT_TIMEOUT, TaskHandle } from './handle.js';
export { MemoryBackend, memoryBackend } from './memory/backend.js';
export type { MemoryBackendOptions } from './memory/options.js';
export { MEMORY_DEFAULTS } from './memory/options.js';
export type { RunnableTask, TaskEventMap } from './runner.js';
export type { AnySignature, Signature } from './task.js';
export { Task } from './task.js';
export type {
  ActiveJob,
  BackoffOptions,
  ChainStep,
  EnqueueOptions,
  JobData,
  JobRecord,
  JobStatus,
  ListableState,
  NewJob,
  Outcome,
  ProcessOptions,
  RateLimit,
  RemoveResult,
  ScheduleRecord,
  ScheduleSpec,
  TaskBackend,
  TaskContext,
  TaskHandler,
  TaskOptions,
  TaskStats,
} from './types.js';
export { backoffDelay, DEFAULT_BACKOFF, MAX_PRIORITY } from './validate.js';
export type { RunningWorker, StartWorkerOptions } from './worker.js';
export { startWorker } from './worker.js';
