/**
 * The parts of a test runner the contract suites use: vitest's, jest's and `node:test`'s
 * `it` and `describe` all fit, so the suites import no runner of their own.
 */
export interface TestRunner {
  /** Registers a test; `timeout` (ms) is passed as the third argument, as vitest and jest take it. */
  it(name: string, fn: () => Promise<void>, timeout?: number): unknown;
  /** Groups the suite's tests under one name when given. */
  describe?(name: string, fn: () => void): unknown;
}

/** Registers `body` under `describe(name)` when the runner has one, else directly. */
export function inGroup(runner: TestRunner, name: string, body: () => void): void {
  if (runner.describe) runner.describe(name, body);
  else body();
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true (no timing assertion: only a generous ceiling). */
export async function until(check: () => boolean | Promise<boolean>, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeout} ms`);
    await sleep(10);
  }
}

// A free loopback TCP port (nothing listens on it once it resolves): the one of `@adv/types/testing`.
export { freePort } from '@adv/types/testing';
