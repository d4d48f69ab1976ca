/**
 * PHASE-1 GLUE until `@adv/tasks` lands: an in-process queue, one job at a time, shaped as the
 * `EnqueueLike` contract. No retries, no persistence: `@adv/tasks` is the real thing.
 */
import type { EnqueueLike, Logger } from '@adv/types';

let counter = 0;

/** Defines a task that runs `run(payload)` in the background of this process. */
export function glueTask<P>(name: string, run: (payload: P, jobId: string) => Promise<unknown>, logger: Logger) {
  const pending = new Set<Promise<unknown>>();
  const task: EnqueueLike<P> & { name: string; drain(): Promise<void> } = {
    name,
    async enqueue(payload, options = {}) {
      const id = options.jobId ?? `${name}-${++counter}`;
      const job = new Promise((resolve) => setTimeout(resolve, options.delay ?? 0))
        .then(() => run(payload, id))
        .catch((error: unknown) => logger.error({ err: error, task: name, id }, 'task failed'))
        .finally(() => pending.delete(job));
      pending.add(job);
      return { id };
    },
    async drain() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
  return task;
}
