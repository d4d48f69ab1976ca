import type { Logger } from '@adv/types';

/** A logger that records what it was given, for assertions. */
export function recordingLogger(): Logger & { warnings: unknown[][] } {
  const warnings: unknown[][] = [];
  return { warnings, debug() {}, info() {}, warn: (...args: unknown[]) => warnings.push(args), error() {} };
}

/** Drops everything: contract tests assert on behaviour, not on log lines. */
export const quietLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };
