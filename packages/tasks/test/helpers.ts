import { TaskError } from '../src/index.js';

export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `condition` until true (or fails after `timeout` ms): no fixed sleeps in assertions. */
export async function until(condition: () => boolean | Promise<boolean>, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(20);
  }
}

/** The error `promise` rejects with (fails the test when it resolves). */
export async function rejection(promise: Promise<unknown>): Promise<TaskError> {
  try {
    await promise;
  } catch (error) {
    return error as TaskError;
  }
  throw new Error('expected a rejection');
}

/** The `code` of the TaskError `promise` rejects with, or `undefined` when it resolves. */
export async function rejectionCode(promise: Promise<unknown>): Promise<string | undefined> {
  try {
    await promise;
  } catch (error) {
    if (!(error instanceof TaskError)) throw error;
    return error.code;
  }
  return undefined;
}

/** Fast, jitter-free retries for tests. */
export const FAST = { delay: 10, jitter: 0 };
