import { TaskError } from './errors.js';
import { DEFAULT_RESULT_TIMEOUT, TaskHandle } from './handle.js';
import { nextStepId } from './runner.js';
import type { AnySignature } from './task.js';
import type { JobStatus } from './types.js';
import { checkNonNegative, invalid, readOptions } from './validate.js';

/** A running chain: one job at a time, each fed the previous result. */
export class ChainHandle<Result = unknown> {
  /** Ids of every step, first to last (later steps exist once their predecessor succeeded). */
  readonly ids: readonly string[];
  readonly #handles: TaskHandle[];

  constructor(handles: TaskHandle[]) {
    this.#handles = handles;
    this.ids = handles.map((handle) => handle.id);
  }

  /**
   * Resolves with the last step's result. If a step fails (after its retries), the steps after it
   * never run and this rejects with that step's error. `timeout` bounds the whole wait (ms).
   */
  async result(options: { timeout?: number | undefined } = {}): Promise<Result> {
    const o = readOptions('result', options, { timeout: true }, { timeout: DEFAULT_RESULT_TIMEOUT });
    const deadline = Date.now() + checkNonNegative('timeout', o.timeout, 'milliseconds');
    let value: unknown;
    for (const [index, handle] of this.#handles.entries()) {
      const left = deadline - Date.now();
      if (left <= 0)
        throw new TaskError('ERR_RESULT_TIMEOUT', `Chain step ${index + 1} (job ${handle.id}) did not finish in time`);
      // A later step's job only exists once the step before it completed: wait for that first.
      value = await handle.result({ timeout: left });
    }
    return value as Result;
  }

  /** Status of each step (`unknown` for steps not enqueued yet). */
  async statuses(): Promise<JobStatus[]> {
    return Promise.all(this.#handles.map((handle) => handle.status()));
  }

  /** Cancels every step not finished yet; the first pending one stops the rest from ever being enqueued. */
  async cancel(): Promise<boolean> {
    for (const handle of this.#handles) {
      if (await handle.cancel()) return true;
    }
    return false;
  }
}

/** A chain of signatures built by {@link chain}. */
export class Chain<Result = unknown> {
  readonly #steps: readonly AnySignature[];

  constructor(steps: readonly AnySignature[]) {
    this.#steps = steps;
  }

  /** Enqueues the first step; each later step is enqueued by the worker when the one before succeeds. */
  async enqueue(): Promise<ChainHandle<Result>> {
    const [first, ...rest] = this.#steps as [AnySignature, ...AnySignature[]];
    const job = first.task.prepare(
      first.payload,
      first.options,
      rest.map((step) => step.task.step(step.options)),
    );
    const backend = first.task.backend;
    const record = await backend.add(job);
    const handles = [new TaskHandle(backend, record.id)];
    for (let index = 1; index < this.#steps.length; index++) {
      handles.push(new TaskHandle(backend, nextStepId(handles[index - 1]!.id)));
    }
    return new ChainHandle<Result>(handles);
  }
}

/**
 * `chain(a.with(payload), b.with(), c.with())`: runs `a`, feeds its result to `b`, then `b`'s to `c`.
 * Failure semantics: a step that fails after its retries stops the chain; `result()` rejects with
 * its error and later steps never run. All steps must be defined on the same app (backend).
 */
export function chain<Result = unknown>(...steps: AnySignature[]): Chain<Result> {
  if (steps.length === 0) invalid('steps', 'at least one signature (task.with(payload))', steps.length);
  for (const [index, step] of steps.entries()) {
    if (typeof step !== 'object' || step === null || typeof step.task?.prepare !== 'function') {
      invalid(`steps[${index}]`, 'a signature from task.with()', step);
    }
    if (index > 0 && step.payload !== undefined) {
      invalid(`steps[${index}].payload`, 'absent (a chain step receives the previous result)', step.payload);
    }
  }
  return new Chain<Result>(steps);
}

/** A group that was enqueued: one handle per member. */
export class GroupHandle<Results extends unknown[] = unknown[]> {
  /** The members' handles, in the order given. */
  readonly handles: readonly TaskHandle[];

  constructor(handles: TaskHandle[]) {
    this.handles = handles;
  }

  /** All results in order; rejects with the first failure (the other members still run). */
  async result(options: { timeout?: number | undefined } = {}): Promise<Results> {
    return (await Promise.all(this.handles.map((handle) => handle.result(options)))) as Results;
  }

  /** Every member's outcome, as `Promise.allSettled` reports them. */
  settled(options: { timeout?: number | undefined } = {}): Promise<PromiseSettledResult<unknown>[]> {
    return Promise.allSettled(this.handles.map((handle) => handle.result(options)));
  }
}

/** A group of signatures built by {@link group}. */
export class Group<Results extends unknown[] = unknown[]> {
  readonly #members: readonly AnySignature[];

  constructor(members: readonly AnySignature[]) {
    this.#members = members;
  }

  /** Enqueues every member at once (they run in parallel, up to the workers' concurrency). */
  async enqueue(): Promise<GroupHandle<Results>> {
    // Prepare (validate) all before adding any, so a bad member queues nothing.
    const jobs = this.#members.map((member) => ({
      backend: member.task.backend,
      job: member.task.prepare(member.payload, member.options, []),
    }));
    const records = await Promise.all(jobs.map(({ backend, job }) => backend.add(job)));
    return new GroupHandle<Results>(records.map((record, index) => new TaskHandle(jobs[index]!.backend, record.id)));
  }
}

/** `group([a.with(1), b.with(2)])`: runs members in parallel and collects every result, in order. */
export function group<Results extends unknown[] = unknown[]>(members: readonly AnySignature[]): Group<Results> {
  if (!Array.isArray(members)) invalid('members', 'an array of signatures', members);
  for (const [index, member] of members.entries()) {
    if (typeof member !== 'object' || member === null || typeof member.task?.prepare !== 'function') {
      invalid(`members[${index}]`, 'a signature from task.with()', member);
    }
  }
  return new Group<Results>(members);
}
