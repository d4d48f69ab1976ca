import { FINAL_CODES, TaskError } from './errors.js';
import { assertSerializable } from './serialize.js';
import type { ActiveJob, ChainStep, Outcome, TaskBackend, TaskContext, TaskOptions } from './types.js';
import { backoffDelay, DEFAULT_BACKOFF } from './validate.js';

/** Payloads of the events a {@link TaskApp} emits, in the worker process that ran the job. */
export interface TaskEventMap {
  /** A job started an attempt. */
  active: [event: { id: string; name: string; attempt: number }];
  /** A job succeeded. `duration` is the handler's run time in ms. */
  completed: [event: { id: string; name: string; attempt: number; result: unknown; duration: number }];
  /** An attempt failed and another one is scheduled in `delay` ms. */
  retrying: [event: { id: string; name: string; attempt: number; error: unknown; delay: number }];
  /** A job failed for good (attempts exhausted, not retryable, expired or unknown task). */
  failed: [event: { id: string; name: string; attempt: number; error: unknown }];
  /** A backend or connection error outside any one job (logged when nobody listens). */
  error: [error: unknown];
}

/** What the processor needs to know about a defined task. */
export interface RunnableTask {
  readonly name: string;
  readonly options: TaskOptions;
  /** Runs the handler once, honouring the time limit and rate limit: its value, or a promise of it (it may throw). */
  invoke(payload: unknown, context: TaskContext, expiresAt?: number): unknown;
}

interface ProcessorDeps {
  tasks: ReadonlyMap<string, RunnableTask>;
  backend: TaskBackend;
  emit<K extends keyof TaskEventMap>(event: K, ...args: TaskEventMap[K]): void;
  /** Whether anyone listens to `event` (so hot paths skip building unused event objects). */
  listening(event: keyof TaskEventMap): boolean;
}

/** The id a chain gives the step after `id` (deterministic, so a re-run step never enqueues twice). */
export function nextStepId(id: string): string {
  return `${id}-n`;
}

/**
 * Runs a handler. With a time limit, its signal also aborts at the limit and the attempt rejects
 * with `ERR_TIME_LIMIT` at once, even if the handler ignores the signal. Without one, the handler
 * gets the caller's context as is and its return value is passed on as is (no extra promise,
 * AbortSignal or listener per job: they are not free); it may then also throw synchronously.
 */
export function runWithLimits(
  handler: (payload: unknown, context: TaskContext) => unknown,
  payload: unknown,
  context: TaskContext,
  timeLimit: number | undefined,
): unknown {
  // Passed through as is: its `signal` may be a lazy getter that spreading would trigger.
  if (timeLimit === undefined) return handler(payload, context);
  return runWithTimeLimit(handler, payload, context, timeLimit);
}

async function runWithTimeLimit(
  handler: (payload: unknown, context: TaskContext) => unknown,
  payload: unknown,
  context: TaskContext,
  timeLimit: number,
): Promise<unknown> {
  const controller = new AbortController();
  const signal = AbortSignal.any([controller.signal, context.signal]);
  const timer = setTimeout(
    () =>
      controller.abort(
        new TaskError(
          'ERR_TIME_LIMIT',
          `Task \`${context.name}\` (job ${context.id}) ran past its time limit of ${timeLimit} ms`,
        ),
      ),
    timeLimit,
  );
  let onAbort: (() => void) | undefined;
  const aborted = new Promise<never>((_, reject) => {
    onAbort = () => reject(signal.reason);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
  });
  aborted.catch(() => {});
  const run = Promise.resolve().then(() => handler(payload, { ...context, signal }));
  run.catch(() => {}); // a handler that ignores its signal may still reject later: nobody listens then
  try {
    return await Promise.race([run, aborted]);
  } finally {
    clearTimeout(timer);
    if (onAbort) signal.removeEventListener('abort', onAbort);
  }
}

/**
 * What a handler gets beside its payload. A class with a prototype getter rather than an object
 * literal with one: the literal would allocate a getter closure per job, and `signal` must stay
 * lazy (backends create it on first use).
 */
class JobContext implements TaskContext {
  readonly id: string;
  readonly name: string;
  readonly attempt: number;
  readonly #job: ActiveJob;

  constructor(job: ActiveJob, name: string, attempt: number) {
    this.#job = job;
    this.id = job.id;
    this.name = name;
    this.attempt = attempt;
  }

  get signal(): AbortSignal {
    return this.#job.signal;
  }
}

/** Whether the job's own signal is aborted, without creating a lazily made signal. */
function isAborted(job: ActiveJob): boolean {
  return job.aborted ?? job.signal.aborted;
}

/** The error of a job whose own signal was aborted (cancelled, or its worker shut down). */
function abortError(job: ActiveJob): TaskError {
  const reason: unknown = job.signal.reason;
  if (reason instanceof TaskError) return reason;
  if (reason === 'shutdown') return new TaskError('ERR_BACKEND', `Job ${job.id} was interrupted by a worker shutdown`);
  return new TaskError('ERR_CANCELLED', `Job ${job.id} of \`${job.data.task}\` was cancelled`);
}

function stepJob(step: ChainStep, payload: unknown, rest: ChainStep[], id: string) {
  return {
    id,
    data: {
      task: step.task,
      payload,
      backoff: step.backoff,
      ...(step.expiresAt === undefined ? {} : { expiresAt: step.expiresAt }),
      ...(rest.length > 0 ? { chain: rest } : {}),
    },
    delay: step.delay ?? 0,
    attempts: step.attempts,
    ...(step.priority === undefined ? {} : { priority: step.priority }),
  };
}

/** Decides what a failed attempt means: a final failure, or a retry after a backoff delay. */
function decideFailure(deps: ProcessorDeps, job: ActiveJob, thrown: unknown): Outcome {
  const name = job.data.task;
  const attempt = job.attemptsMade + 1;
  // A cancelled job fails as cancelled, whatever its handler did with the abort.
  const error =
    isAborted(job) && !(thrown instanceof TaskError && thrown.code === 'ERR_TIME_LIMIT') ? abortError(job) : thrown;
  const code = (error as { code?: unknown } | null)?.code;
  const task = deps.tasks.get(name);
  let retry = attempt < job.attempts && !(typeof code === 'string' && FINAL_CODES.has(code));
  if (retry && task?.options.retryOn) {
    try {
      retry = task.options.retryOn(error, attempt) === true;
    } catch {
      retry = false;
    }
  }
  if (!retry) {
    deps.emit('failed', { id: job.id, name, attempt, error });
    return { ok: false, error };
  }
  const delay = backoffDelay(job.data.backoff ?? DEFAULT_BACKOFF, attempt);
  deps.emit('retrying', { id: job.id, name, attempt, error, delay });
  return { ok: false, error, retryIn: delay };
}

/**
 * The processor every backend runs: looks the task up, drops expired jobs, runs the handler
 * under its limits, enqueues the next chain step, and decides whether a failure retries.
 */
export function createProcessor(deps: ProcessorDeps): (job: ActiveJob) => Promise<Outcome> {
  return async function processJob(job: ActiveJob): Promise<Outcome> {
    const name = job.data.task;
    const attempt = job.attemptsMade + 1;
    const fail = (thrown: unknown) => decideFailure(deps, job, thrown);

    const task = deps.tasks.get(name);
    if (!task) {
      return fail(
        new TaskError(
          'ERR_UNKNOWN_TASK',
          `No task named \`${name}\` is defined in this worker (job ${job.id}); define it before starting the worker`,
        ),
      );
    }
    if (job.data.expiresAt !== undefined && Date.now() > job.data.expiresAt) {
      return fail(
        new TaskError(
          'ERR_EXPIRED',
          `Job ${job.id} of \`${name}\` expired at ${new Date(job.data.expiresAt).toISOString()} before it started`,
        ),
      );
    }
    if (deps.listening('active')) deps.emit('active', { id: job.id, name, attempt });
    const started = deps.listening('completed') ? performance.now() : 0;
    try {
      const context = new JobContext(job, name, attempt);
      const result = await task.invoke(job.data.payload, context, job.data.expiresAt);
      if (isAborted(job)) return fail(job.signal.reason); // cancelled while running: its result is discarded
      assertSerializable(result, 'result');
      const steps = job.data.chain; // no destructuring: it would allocate an iterator and an array per job
      if (steps !== undefined && steps.length > 0) {
        await deps.backend.add(stepJob(steps[0]!, result, steps.slice(1), nextStepId(job.id)));
      }
      if (deps.listening('completed')) {
        deps.emit('completed', { id: job.id, name, attempt, result, duration: performance.now() - started });
      }
      return { ok: true, value: result };
    } catch (error) {
      return fail(error);
    }
  };
}
