import type { OptionKeys, SignalLike } from '@adv/types';
import { emitSignalEvent, hasObservers, type SignalEvent } from './bus.js';
import {
  type AnyReceiver,
  assertUid,
  buildArgs,
  type Connection,
  isAsyncFunction,
  isThenable,
  type Started,
  zip,
} from './dispatch.js';
import { describeValue, SignalError, toError } from './errors.js';
import { signalOptions } from './options.js';
import type {
  ConnectOptions,
  DisconnectOptions,
  PayloadParam,
  Receiver,
  ReceiverResult,
  RobustResult,
  SenderOf,
  SignalArgs,
  SignalOptions,
} from './signal-types.js';

type Method = SignalEvent['method'];

const SIGNAL_KEYS: OptionKeys<SignalOptions> = { name: true };
const CONNECT_KEYS: OptionKeys<ConnectOptions> = { sender: true, dispatchUid: true, weak: true };
const DISCONNECT_KEYS: OptionKeys<DisconnectOptions> = { sender: true, dispatchUid: true };

const ignoreRejection = (): void => {};

/**
 * Django's `Signal`, typed: receivers take one args object `{ sender, ...payload }`.
 *
 * Receivers are called in connection order. The receiver list is copy-on-write, so a
 * receiver connected or disconnected during a send takes effect from the next send.
 *
 * @example
 * ```ts
 * const userRegistered = new Signal<{ sender: typeof UserService; user: User }>({ name: 'userRegistered' });
 * userRegistered.connect(({ user }) => sendWelcomeMail(user), { dispatchUid: 'welcome-mail' });
 * userRegistered.send(UserService, { user });
 * ```
 */
export class Signal<Args extends SignalArgs = SignalArgs, Result = unknown> implements SignalLike<Args> {
  /** The name given at construction, used in error messages and by {@link onAny}. */
  readonly name: string;
  #connections: readonly Connection[] = [];
  #asyncCount = 0;
  #hasDead = false;
  #registry: FinalizationRegistry<undefined> | undefined;
  /** Send plans by sender filter, built on the first send after a change; see {@link Plan}. */
  #plans: Map<unknown, Plan> | undefined;
  /** The plan of a sender no connection filters on: the unfiltered connections only. */
  #defaultPlan: Plan | undefined;
  /** The last filtered-on sender sent from, and its plan: most sends repeat the last sender. */
  #lastSender: unknown;
  #lastPlan: Plan | undefined;

  constructor(options: SignalOptions = {}) {
    const { name } = signalOptions('Signal', options, SIGNAL_KEYS, { name: 'signal' });
    if (typeof name !== 'string' || name === '') {
      throw new SignalError(
        'ERR_INVALID_OPTION',
        `Expected \`name\` to be a non-empty string, got ${describeValue(name)}`,
      );
    }
    this.name = name;
  }

  /**
   * Connects `receiver`. Connecting the same receiver (or the same `dispatchUid`) for the
   * same sender again is a no-op.
   *
   * @param receiver - Called with `{ sender, ...payload }` on each matching send.
   * @param options - `sender` filter, `dispatchUid`, `weak`: see {@link ConnectOptions}.
   * @returns A function that disconnects this connection (`true` if it was connected).
   */
  connect(receiver: Receiver<Args, Result>, options: ConnectOptions<SenderOf<Args>> = {}): () => boolean {
    if (typeof receiver !== 'function') {
      throw new SignalError(
        'ERR_INVALID_OPTION',
        `Expected \`receiver\` to be a function (args) => unknown, got ${describeValue(receiver)}`,
      );
    }
    const { sender, dispatchUid, weak } = signalOptions('connect', options, CONNECT_KEYS, { weak: false });
    assertUid(dispatchUid);
    if (typeof weak !== 'boolean') {
      throw new SignalError('ERR_INVALID_OPTION', `Expected \`weak\` to be a boolean, got ${describeValue(weak)}`);
    }
    const existing = this.#find(dispatchUid ?? receiver, sender);
    if (existing >= 0) return this.#disconnector(this.#connections[existing]!);
    const fn = receiver as AnyReceiver;
    const connection: Connection = {
      key: dispatchUid,
      receiver: weak ? undefined : fn,
      ref: weak ? new WeakRef(fn) : undefined,
      sender,
      isAsync: isAsyncFunction(fn),
    };
    if (weak) this.#registryFor().register(fn, undefined);
    this.#setConnections([...this.#connections, connection]);
    return this.#disconnector(connection);
  }

  // The closures below live in their own methods on purpose: a closure created inside
  // `connect` would share its scope and keep a weak receiver alive.
  #disconnector(connection: Connection): () => boolean {
    return () => {
      const before = this.#connections.length;
      this.#setConnections(this.#connections.filter((item) => item !== connection));
      return this.#connections.length < before;
    };
  }

  #registryFor(): FinalizationRegistry<undefined> {
    this.#registry ??= new FinalizationRegistry(() => {
      this.#hasDead = true;
    });
    return this.#registry;
  }

  /**
   * Disconnects a receiver, by the function (also when it was connected with a `dispatchUid`)
   * or by the `dispatchUid` it was connected with. Give the `sender` it was connected with.
   *
   * @returns `true` if a connection was removed.
   * @example
   * ```ts
   * signal.disconnect(onSave, { sender: Article });
   * signal.disconnect({ dispatchUid: 'welcome-mail' });
   * ```
   */
  disconnect(receiver: Receiver<Args, Result>, options?: Pick<DisconnectOptions<SenderOf<Args>>, 'sender'>): boolean;
  disconnect(options: DisconnectOptions<SenderOf<Args>> & { dispatchUid: string | symbol }): boolean;
  disconnect(
    target: Receiver<Args, Result> | DisconnectOptions<SenderOf<Args>>,
    options: DisconnectOptions<SenderOf<Args>> = {},
  ): boolean {
    if (typeof target === 'function') {
      return this.#removeReceiver(target, signalOptions('disconnect', options, DISCONNECT_KEYS, {}).sender);
    }
    if (target !== null && typeof target === 'object') signalOptions('disconnect', target, DISCONNECT_KEYS, {});
    if (target === null || typeof target !== 'object' || target.dispatchUid === undefined) {
      throw new SignalError(
        'ERR_INVALID_OPTION',
        `Expected a receiver function or \`{ dispatchUid }\` to disconnect, got ${describeValue(target)}`,
      );
    }
    assertUid(target.dispatchUid);
    return this.#remove(target.dispatchUid, target.sender);
  }

  /**
   * Whether a send would reach any receiver: with no argument, whether any receiver is
   * connected at all; with a sender, whether one would receive a send from it.
   */
  hasListeners(...query: [sender?: SenderOf<Args>]): boolean {
    const all = query.length === 0;
    const sender = query[0];
    for (const connection of this.#live()) {
      if (all || connection.sender === undefined || connection.sender === sender) {
        if (connection.receiver !== undefined || connection.ref?.deref() !== undefined) return true;
      }
    }
    return false;
  }

  /**
   * Calls every matching receiver in connection order and returns what each returned. A
   * receiver that throws stops the send: the error propagates. An async receiver is an
   * error (`ERR_ASYNC_RECEIVER`, thrown before any receiver runs): use {@link Signal.asend}.
   *
   * @example
   * ```ts
   * for (const [receiver, result] of postSave.send(Article, { instance, created: true })) log(receiver.name, result);
   * ```
   */
  send(sender: SenderOf<Args>, ...payload: PayloadParam<Args>): ReceiverResult<Args, Result>[];
  send(sender: unknown, payload?: object): ReceiverResult<Args, Result>[] {
    const plan = this.#planFor(sender);
    if (plan.receivers !== undefined) {
      if (plan.async !== undefined) throw this.#asyncError(plan.async, 'is async');
      const receivers = plan.receivers as readonly Receiver<Args, Result>[];
      const args = buildArgs(sender, payload) as Args;
      if (hasObservers()) this.#observe('send', sender, args);
      const results = new Array<ReceiverResult<Args, Result>>(receivers.length);
      for (let index = 0; index < receivers.length; index++) {
        const receiver = receivers[index]!;
        const result = receiver(args);
        if ((typeof result === 'object' || typeof result === 'function') && isThenable(result)) {
          throw this.#asyncError(receiver, 'returned a promise', result);
        }
        results[index] = [receiver, result];
      }
      return results;
    }
    const connections = this.#connections;
    if (this.#asyncCount > 0) this.#assertNoAsync(connections, sender);
    const args = buildArgs(sender, payload) as Args;
    if (hasObservers()) this.#observe('send', sender, args);
    // Preallocated and trimmed: with many receivers, growing the array by push() while
    // allocating a tuple per receiver costs about twice as much.
    const results = new Array<ReceiverResult<Args, Result>>(connections.length);
    let count = 0;
    for (let index = 0; index < connections.length; index++) {
      const connection = connections[index]!;
      if (connection.sender !== undefined && connection.sender !== sender) continue;
      const receiver = (connection.receiver ?? connection.ref!.deref()) as Receiver<Args, Result> | undefined;
      if (receiver === undefined) continue;
      const result = receiver(args);
      // Only objects and functions can be thenables: a primitive result skips the `then` lookup.
      if ((typeof result === 'object' || typeof result === 'function') && isThenable(result)) {
        throw this.#asyncError(receiver, 'returned a promise', result);
      }
      results[count++] = [receiver, result];
    }
    if (count < results.length) results.length = count;
    return results;
  }

  /**
   * {@link Signal.send} without the results: calls every matching receiver in connection
   * order, the same way (a receiver that throws stops it; an async receiver is
   * `ERR_ASYNC_RECEIVER`, thrown before any receiver runs), and returns how many receivers it
   * called. For fire-and-forget notifications in hot code, where building the
   * `[receiver, result]` pairs `send` returns would be most of the cost (mitt's `emit` returns
   * nothing either). Observers of {@link onAny} see it as `method: 'emit'`.
   *
   * @returns The number of receivers called.
   * @example
   * ```ts
   * cacheInvalidated.emit(Article, { key: `article:${id}` });
   * ```
   */
  emit(sender: SenderOf<Args>, ...payload: PayloadParam<Args>): number;
  emit(sender: unknown, payload?: object): number {
    const plan = this.#planFor(sender);
    if (plan.receivers !== undefined) {
      if (plan.async !== undefined) throw this.#asyncError(plan.async, 'is async');
      const receivers = plan.receivers as readonly Receiver<Args, Result>[];
      const args = buildArgs(sender, payload) as Args;
      if (hasObservers()) this.#observe('emit', sender, args);
      for (let index = 0; index < receivers.length; index++) {
        const receiver = receivers[index]!;
        const result = receiver(args);
        if ((typeof result === 'object' || typeof result === 'function') && isThenable(result)) {
          throw this.#asyncError(receiver, 'returned a promise', result);
        }
      }
      return receivers.length;
    }
    const connections = this.#connections;
    if (this.#asyncCount > 0) this.#assertNoAsync(connections, sender);
    const args = buildArgs(sender, payload) as Args;
    if (hasObservers()) this.#observe('emit', sender, args);
    let count = 0;
    for (let index = 0; index < connections.length; index++) {
      const connection = connections[index]!;
      if (connection.sender !== undefined && connection.sender !== sender) continue;
      const receiver = (connection.receiver ?? connection.ref!.deref()) as Receiver<Args, Result> | undefined;
      if (receiver === undefined) continue;
      const result = receiver(args);
      if ((typeof result === 'object' || typeof result === 'function') && isThenable(result)) {
        throw this.#asyncError(receiver, 'returned a promise', result);
      }
      count++;
    }
    return count;
  }

  /**
   * Calls every matching receiver in connection order, even after one throws, and returns
   * each one's result or `Error` (a thrown non-Error is wrapped in a `SignalError` with
   * code `ERR_RECEIVER_FAILED`). Never throws because of a receiver.
   *
   * @example
   * ```ts
   * const failed = requestFinished.sendRobust(app, { request, response }).filter(([, r]) => r instanceof Error);
   * ```
   */
  sendRobust(sender: SenderOf<Args>, ...payload: PayloadParam<Args>): RobustResult<Args, Result>[];
  sendRobust(sender: unknown, payload?: object): RobustResult<Args, Result>[] {
    const connections = this.#live();
    const args = buildArgs(sender, payload) as Args;
    if (hasObservers()) this.#observe('sendRobust', sender, args);
    const results = new Array<RobustResult<Args, Result>>(connections.length);
    let count = 0;
    for (let index = 0; index < connections.length; index++) {
      const connection = connections[index]!;
      if (connection.sender !== undefined && connection.sender !== sender) continue;
      const receiver = (connection.receiver ?? connection.ref!.deref()) as Receiver<Args, Result> | undefined;
      if (receiver === undefined) continue;
      if (connection.isAsync) {
        results[count++] = [receiver, this.#asyncError(receiver, 'is async')];
        continue;
      }
      try {
        const result = receiver(args);
        results[count++] = [
          receiver,
          isThenable(result) ? this.#asyncError(receiver, 'returned a promise', result) : result,
        ];
      } catch (error) {
        results[count++] = [receiver, toError(error)];
      }
    }
    if (count < results.length) results.length = count;
    return results;
  }

  /**
   * Calls every matching receiver in connection order, sync and async alike, and awaits
   * them concurrently (Django 5's `asend`). Resolves with each one's result; if any
   * failed, it waits for all to settle, then rejects with the first error in connection order.
   *
   * @example
   * ```ts
   * await postSave.asend(Article, { instance, created: false });
   * ```
   */
  asend(sender: SenderOf<Args>, ...payload: PayloadParam<Args>): Promise<ReceiverResult<Args, Result>[]>;
  asend(sender: unknown, payload?: object): Promise<ReceiverResult<Args, Result>[]> {
    let started: Started<Args, Result>;
    try {
      started = this.#startAll('asend', sender, payload);
    } catch (error) {
      return Promise.reject(error);
    }
    const { receivers, pending } = started;
    // Plain promise chains rather than async functions: one promise less per send.
    return Promise.all(pending).then(
      (values) => zip<Args, Result, Result>(receivers, values),
      // Wait for the others too, then report the first failure in connection order.
      () =>
        Promise.allSettled(pending).then((outcomes) => {
          throw outcomes.find((outcome) => outcome.status === 'rejected')!.reason;
        }),
    );
  }

  /**
   * Like {@link Signal.asend}, but never rejects because of a receiver: each receiver's
   * result or `Error` is returned, in connection order (Django 5's `asend_robust`).
   */
  asendRobust(sender: SenderOf<Args>, ...payload: PayloadParam<Args>): Promise<RobustResult<Args, Result>[]>;
  asendRobust(sender: unknown, payload?: object): Promise<RobustResult<Args, Result>[]> {
    let started: Started<Args, Result>;
    try {
      started = this.#startAll('asendRobust', sender, payload);
    } catch (error) {
      return Promise.reject(error);
    }
    const { receivers, pending } = started;
    return Promise.all(pending).then(
      (values) => zip<Args, Result, Result>(receivers, values),
      () =>
        Promise.allSettled(pending).then((outcomes) =>
          zip<Args, Result, Result | Error>(
            receivers,
            outcomes.map((outcome) => (outcome.status === 'fulfilled' ? outcome.value : toError(outcome.reason))),
          ),
        ),
    );
  }

  /** Calls every matching receiver now; what each returned (value or promise) is in `pending`. */
  #startAll(method: Method, sender: unknown, payload: object | undefined): Started<Args, Result> {
    const connections = this.#live();
    const args = buildArgs(sender, payload) as Args;
    if (hasObservers()) this.#observe(method, sender, args);
    const receivers: Receiver<Args, Result>[] = [];
    const pending: unknown[] = [];
    for (let index = 0; index < connections.length; index++) {
      const connection = connections[index]!;
      if (connection.sender !== undefined && connection.sender !== sender) continue;
      const receiver = (connection.receiver ?? connection.ref!.deref()) as Receiver<Args, Result> | undefined;
      if (receiver === undefined) continue;
      receivers.push(receiver);
      try {
        pending.push(receiver(args));
      } catch (error) {
        pending.push(Promise.reject(error));
      }
    }
    return { receivers, pending };
  }

  #observe(method: Method, sender: unknown, args: object): void {
    emitSignalEvent({ signal: this.name, method, sender, args });
  }

  #assertNoAsync(connections: readonly Connection[], sender: unknown): void {
    for (const connection of connections) {
      if (!connection.isAsync) continue;
      if (connection.sender !== undefined && connection.sender !== sender) continue;
      const receiver = connection.receiver ?? connection.ref!.deref();
      if (receiver !== undefined) throw this.#asyncError(receiver, 'is async');
    }
  }

  /**
   * The `ERR_ASYNC_RECEIVER` error of a sync send. A promise the receiver returned is already
   * running and cannot be awaited here: its rejection is marked handled (the error returned
   * here is what reports the mistake), so it does not crash the process as an unhandled rejection.
   */
  #asyncError(receiver: AnyReceiver, what: string, returned?: PromiseLike<unknown>): SignalError {
    if (returned !== undefined) Promise.resolve(returned).then(undefined, ignoreRejection);
    return new SignalError(
      'ERR_ASYNC_RECEIVER',
      `Receiver \`${receiver.name || 'anonymous'}\` of signal \`${this.name}\` ${what}, but the signal was sent with a synchronous method; use \`asend()\` or \`asendRobust()\` so it is awaited`,
    );
  }

  /** The connections, without receivers whose WeakRef was cleared. */
  #live(): readonly Connection[] {
    if (this.#hasDead) {
      this.#hasDead = false;
      this.#setConnections(
        this.#connections.filter((connection) => connection.ref === undefined || connection.ref.deref() !== undefined),
      );
    }
    return this.#connections;
  }

  #find(key: unknown, sender: unknown): number {
    return this.#live().findIndex((connection) => {
      if (connection.sender !== sender) return false;
      const receiver = connection.receiver ?? connection.ref!.deref();
      // A collected weak receiver no longer holds its dispatchUid, even before the
      // FinalizationRegistry has pruned it.
      if (receiver === undefined) return false;
      return connection.key !== undefined ? connection.key === key : receiver === key;
    });
  }

  /**
   * Removes the first connection of `fn` for `sender`, whether or not it was connected with a
   * `dispatchUid` (Django would need the uid; a function in hand is unambiguous enough).
   */
  #removeReceiver(fn: unknown, sender: unknown): boolean {
    const index = this.#live().findIndex(
      (connection) => connection.sender === sender && (connection.receiver ?? connection.ref!.deref()) === fn,
    );
    if (index < 0) return false;
    this.#setConnections(this.#connections.filter((_, i) => i !== index));
    return true;
  }

  #remove(key: unknown, sender: unknown): boolean {
    const index = this.#find(key, sender);
    if (index < 0) return false;
    this.#setConnections(this.#connections.filter((_, i) => i !== index));
    return true;
  }

  #setConnections(connections: readonly Connection[]): void {
    this.#connections = connections;
    this.#asyncCount = connections.filter((connection) => connection.isAsync).length;
    this.#plans = undefined;
    this.#defaultPlan = undefined;
    this.#lastPlan = undefined;
    this.#lastSender = undefined;
  }

  /**
   * The plan of a sync send from `sender` (after pruning collected weak receivers). Plans are
   * built once per change of the connections, so a send neither filters by sender nor
   * dereferences anything: it calls a ready array. Keyed only by senders some connection
   * filters on (held by those connections anyway), so a plan never keeps a sender alive.
   */
  #planFor(sender: unknown): Plan {
    if (this.#hasDead) this.#live();
    if (sender === this.#lastSender && this.#lastPlan !== undefined) return this.#lastPlan;
    if (this.#defaultPlan === undefined) this.#buildPlans();
    const plans = this.#plans;
    const plan = plans === undefined ? undefined : plans.get(sender);
    if (plan === undefined) return this.#defaultPlan!;
    // Only a sender a connection filters on is remembered: the connection holds it anyway.
    this.#lastSender = sender;
    this.#lastPlan = plan;
    return plan;
  }

  #buildPlans(): void {
    const connections = this.#connections;
    let plans: Map<unknown, Plan> | undefined;
    for (const connection of connections) {
      if (connection.sender !== undefined && plans?.has(connection.sender) !== true) {
        plans ??= new Map();
        plans.set(connection.sender, planOf(connections, connection.sender));
      }
    }
    this.#plans = plans;
    this.#defaultPlan = planOf(connections, undefined);
  }
}

/**
 * What a sync send from one sender calls: the matching receivers in connection order, and
 * the first async one among them (a sync send throws `ERR_ASYNC_RECEIVER` for it before any
 * receiver runs). `receivers` is `undefined` when a weak receiver matches: holding it here
 * would keep it alive, so such sends take the general path that dereferences each time.
 */
interface Plan {
  readonly receivers: readonly AnyReceiver[] | undefined;
  readonly async: AnyReceiver | undefined;
}

/** The plan of a send from `sender` (`undefined`: a sender no connection filters on). */
function planOf(connections: readonly Connection[], sender: unknown): Plan {
  const receivers: AnyReceiver[] = [];
  let async: AnyReceiver | undefined;
  for (const connection of connections) {
    if (connection.sender !== undefined && connection.sender !== sender) continue;
    if (connection.receiver === undefined) return { receivers: undefined, async: undefined };
    receivers.push(connection.receiver as AnyReceiver);
    if (connection.isAsync) async ??= connection.receiver as AnyReceiver;
  }
  return { receivers, async };
}

/**
 * Creates a {@link Signal}: `signal<Args>()` reads like Django's `Signal()`.
 *
 * @example
 * ```ts
 * export const orderPaid = signal<{ sender: typeof Order; order: Order; amount: number }>({ name: 'orderPaid' });
 * ```
 */
export function signal<Args extends SignalArgs = SignalArgs, Result = unknown>(
  options?: SignalOptions,
): Signal<Args, Result> {
  return new Signal<Args, Result>(options);
}
