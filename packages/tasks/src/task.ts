import { randomUUID } from 'node:crypto';
import type { EnqueueLike } from '@adv/types';
import PQueue from 'p-queue';
import { TaskError } from './errors.js';
import { TaskHandle } from './handle.js';
import { runWithLimits } from './runner.js';
import { assertSerializable } from './serialize.js';
import type {
  BackoffOptions,
  ChainStep,
  Defined,
  EnqueueOptions,
  JobData,
  NewJob,
  TaskBackend,
  TaskContext,
  TaskHandler,
  TaskOptions,
} from './types.js';
import { checkEnqueueOptions, readOptions, resolveBackoff } from './validate.js';

/** A task with its arguments bound, for {@link chain} and {@link group}. */
export interface Signature<Payload = unknown, Result = unknown> {
  readonly task: Task<Payload, Result>;
  /** Absent in a chain step after the first: the previous result is the payload. */
  readonly payload?: Payload;
  readonly options: EnqueueOptions;
}

/**
 * A signature of any task, whatever its payload and result types: what `chain()` and `group()`
 * take (`task.with()` already checked each payload against its task).
 */
// biome-ignore lint/suspicious/noExplicitAny: payload types differ per step; `unknown` would reject every typed task
export type AnySignature = Signature<any, unknown>;

/** A background task: enqueue it, or run it inline. Created by `app.defineTask()`. */
export class Task<Payload = unknown, Result = unknown> implements EnqueueLike<Payload> {
  /** Unique name; workers look handlers up by it. */
  readonly name: string;
  /** The options it was defined with. */
  readonly options: Readonly<TaskOptions>;
  readonly #handler: TaskHandler<Payload, Result>;
  readonly #backend: () => TaskBackend;
  readonly #limiter: PQueue | undefined;
  readonly #backoff: Defined<BackoffOptions>;

  /** @internal Use `app.defineTask()`. */
  constructor(name: string, handler: TaskHandler<Payload, Result>, options: TaskOptions, backend: () => TaskBackend) {
    this.name = name;
    this.options = Object.freeze({ ...options });
    this.#handler = handler;
    this.#backend = backend;
    this.#backoff = resolveBackoff(options.backoff);
    // p-queue's strict (sliding-window) interval cap is the rate limiter: at most `max` starts in any `duration` ms of this process.
    this.#limiter = options.rateLimit
      ? new PQueue({ intervalCap: options.rateLimit.max, interval: options.rateLimit.duration, strict: true })
      : undefined;
  }

  /**
   * Queues one run and resolves once the backend holds it.
   *
   * @param payload - JSON-serialisable input of the handler.
   * @param options - delay (ms) or `at`, `expiresAt`, `priority`, `jobId` (dedupe), `attempts`.
   * @example
   * ```ts
   * const handle = await sendEmail.enqueue({ to: 'ada@example.com' }, { delay: 60_000, jobId: 'welcome-42' });
   * ```
   */
  async enqueue(payload: Payload, options: EnqueueOptions = {}): Promise<TaskHandle<Result>> {
    const job = this.prepare(payload, options, []);
    const backend = this.#backend();
    const record = await backend.add(job);
    return new TaskHandle<Result>(backend, record.id);
  }

  /**
   * Runs the handler now, in this process, once: no backend, no retries (Celery's eager mode,
   * for tests and scripts). The time limit applies; the payload must still be serialisable.
   */
  async run(payload: Payload, options: { signal?: AbortSignal | undefined } = {}): Promise<Result> {
    assertSerializable(payload);
    return (await this.invoke(payload, {
      id: `inline-${randomUUID()}`,
      name: this.name,
      attempt: 1,
      signal: readOptions('run', options, { signal: true }).signal ?? new AbortController().signal,
    })) as Result;
  }

  /** Binds a payload and options, for `chain()` and `group()`. */
  with(payload?: Payload, options: EnqueueOptions = {}): Signature<Payload, Result> {
    return payload === undefined ? { task: this, options } : { task: this, payload, options };
  }

  /**
   * @internal Runs the handler once under the rate and time limits. A job waiting for its turn
   * under the rate limit stops waiting when its signal aborts (cancelled, or the worker shuts
   * down), and fails with `ERR_EXPIRED` instead of starting if its turn comes after `expiresAt`.
   */
  invoke(payload: unknown, context: TaskContext, expiresAt?: number): unknown {
    const handler = this.#handler as TaskHandler<unknown, unknown>;
    if (!this.#limiter) return runWithLimits(handler, payload, context, this.options.timeLimit);
    const { signal } = context;
    return this.#limiter.add(
      () => {
        signal.throwIfAborted();
        if (expiresAt !== undefined && Date.now() > expiresAt) {
          throw new TaskError(
            'ERR_EXPIRED',
            `Job ${context.id} of \`${this.name}\` expired at ${new Date(expiresAt).toISOString()} while waiting for its rate limit`,
          );
        }
        return runWithLimits(handler, payload, context, this.options.timeLimit);
      },
      { signal },
    );
  }

  /** @internal The job `enqueue` would add, with `chain` as the steps after it. */
  prepare(payload: unknown, options: EnqueueOptions, chain: ChainStep[]): NewJob {
    const { delay, expiresAt } = checkEnqueueOptions(options, Date.now());
    assertSerializable(payload);
    const attempts = options.attempts ?? this.options.attempts ?? 1;
    const data: JobData = { task: this.name, payload };
    if (attempts > 1) data.backoff = this.#backoff; // only retries read it: keep single-shot jobs small
    if (expiresAt !== undefined) data.expiresAt = expiresAt;
    if (chain.length > 0) data.chain = chain;
    const job: NewJob = { data, delay, attempts };
    if (options.jobId !== undefined) job.id = options.jobId;
    if (options.priority !== undefined) job.priority = options.priority;
    return job;
  }

  /** @internal This task as a later chain step. */
  step(options: EnqueueOptions): ChainStep {
    const job = this.prepare(undefined, options, []);
    return {
      task: this.name,
      attempts: job.attempts,
      backoff: this.#backoff,
      ...(job.delay > 0 ? { delay: job.delay } : {}),
      ...(job.priority === undefined ? {} : { priority: job.priority }),
      ...(job.data.expiresAt === undefined ? {} : { expiresAt: job.data.expiresAt }),
    };
  }

  /** @internal */
  get backend(): TaskBackend {
    return this.#backend();
  }
}
