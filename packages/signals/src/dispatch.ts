import { describeValue, SignalError } from './errors.js';
import type { Receiver, SignalArgs } from './signal-types.js';

// Internals of Signal's send path, kept apart so signal.ts reads as the API.

/** One connection: a strong receiver, or a WeakRef to it, with its sender filter. */
export interface Connection {
  readonly key: unknown;
  readonly receiver: Receiver<never, unknown> | undefined;
  readonly ref: WeakRef<Receiver<never, unknown>> | undefined;
  readonly sender: unknown;
  readonly isAsync: boolean;
}

/** Any receiver, whatever its args. */
export type AnyReceiver = (args: never) => unknown;

/** The receivers an async send started, and what each returned (a value or a promise). */
export interface Started<Args extends SignalArgs, Result> {
  receivers: Receiver<Args, Result>[];
  pending: unknown[];
}

/** Whether a receiver's result is a promise (or any thenable). */
export const isThenable = (value: unknown): value is PromiseLike<unknown> =>
  value !== null &&
  (typeof value === 'object' || typeof value === 'function') &&
  typeof (value as { then?: unknown }).then === 'function';

/** Whether `fn` is declared `async` (known before calling it). */
export const isAsyncFunction = (fn: AnyReceiver): boolean =>
  (fn as unknown as { [Symbol.toStringTag]?: string })[Symbol.toStringTag] === 'AsyncFunction';

/** Throws unless `dispatchUid` is absent, a non-empty string or a symbol. */
export function assertUid(dispatchUid: unknown): void {
  if (dispatchUid === undefined || typeof dispatchUid === 'symbol') return;
  if (typeof dispatchUid !== 'string' || dispatchUid === '') {
    throw new SignalError(
      'ERR_INVALID_OPTION',
      `Expected \`dispatchUid\` to be a non-empty string or a symbol, got ${describeValue(dispatchUid)}`,
    );
  }
}

/**
 * `{ sender, ...payload }`, built with `Object.assign`: V8 runs an object spread over a
 * fresh payload about ten times slower here, and this is on every send's hot path. A
 * `sender` inside the payload (untyped callers) never replaces the one receivers were
 * filtered by.
 */
export function buildArgs(sender: unknown, payload: object | undefined): object {
  const args = Object.assign({ sender }, payload);
  if (args.sender !== sender) args.sender = sender;
  return args;
}

/** Pairs receivers with their results: `[receiver, result][]`, preallocated. */
export function zip<Args extends SignalArgs, Result, Value>(
  receivers: readonly Receiver<Args, Result>[],
  values: readonly unknown[],
): [Receiver<Args, Result>, Value][] {
  const pairs = new Array<[Receiver<Args, Result>, Value]>(receivers.length);
  for (let index = 0; index < receivers.length; index++) {
    pairs[index] = [receivers[index]!, values[index] as Value];
  }
  return pairs;
}
