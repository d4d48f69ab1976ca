import { TaskError } from '../src/index.js';

// The same polling helpers the published contract suite uses.
export { sleep, until } from '../src/testing/runner.js';

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
