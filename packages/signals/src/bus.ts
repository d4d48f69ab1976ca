import type { Logger, OptionKeys } from '@adv/types';
import type { Emitter } from 'mitt';
import mittImport from 'mitt';
import { signalOptions } from './options.js';

/**
 * The observe-everything bus behind {@link onAny}, on mitt.
 *
 * Why only this part is mitt: an observer of every send is exactly mitt's model, a
 * fire-and-forget `emit` to handlers that return nothing, keyed by event type (here the
 * signal's name) plus a `'*'` wildcard. `Signal` itself is not mitt because Django's
 * dispatcher needs what mitt deliberately leaves out: per-receiver sender filters,
 * `dispatchUid` dedupe, weak receivers, each receiver's return value (`send` returns
 * `[receiver, result][]`), error collection (`sendRobust`) and awaiting async receivers
 * (`asend`). Wrapping mitt for those would mean keeping a second receiver list beside its
 * handler map, so `Signal` keeps its own copy-on-write array instead.
 */

/** What an {@link onAny} observer sees for every send of every signal. */
export interface SignalEvent {
  /** The sending signal's `name` (`'postSave'`, or the name given to `signal()`). */
  signal: string;
  /** How it was sent. */
  method: 'send' | 'emit' | 'sendRobust' | 'asend' | 'asendRobust';
  /** The sender passed to the send method. */
  sender: unknown;
  /** The args object the receivers get: `{ sender, ...payload }`. */
  args: object;
}

/** Options of {@link onAny}. */
export interface OnAnyOptions {
  /**
   * Where an observer's own error goes: an observer never breaks a send.
   * @defaultValue `console`
   */
  logger?: Pick<Logger, 'error'> | undefined;
}

const ON_ANY_KEYS: OptionKeys<OnAnyOptions> = { logger: true };

type Events = Record<string, SignalEvent>;
type MittFactory = <E extends Record<string, unknown>>() => Emitter<E>;

// mitt 3 ships CommonJS-typed declarations (`types` without `"type": "module"`), so under
// NodeNext its default import is typed as the module object, while at runtime (dist/mitt.mjs)
// it is the factory itself. Accept both shapes.
const mitt: MittFactory =
  (mittImport as unknown as { default?: MittFactory }).default ?? (mittImport as unknown as MittFactory);

const emitter = mitt<Events>();
let observers = 0;

/** Whether anything observes sends: lets `Signal` skip building an event when nobody listens. */
export function hasObservers(): boolean {
  return observers > 0;
}

/** Emits one send to every {@link onAny} observer. */
export function emitSignalEvent(event: SignalEvent): void {
  emitter.emit(event.signal, event);
}

/**
 * Observes every send of every signal, for debugging and metrics. Observers run before the
 * receivers, cannot change the send, and their errors are logged, not thrown.
 *
 * @param handler - Called with a {@link SignalEvent} for each send.
 * @param options - See {@link OnAnyOptions}.
 * @returns A function that stops observing.
 * @example
 * ```ts
 * const stop = onAny(({ signal, method }) => counter.inc({ signal, method }));
 * // later
 * stop();
 * ```
 */
export function onAny(handler: (event: SignalEvent) => void, options: OnAnyOptions = {}): () => void {
  if (typeof handler !== 'function') {
    throw new TypeError(`Expected \`handler\` to be a function, got \`${String(handler)}\` (${typeof handler})`);
  }
  const { logger } = signalOptions('onAny', options, ON_ANY_KEYS, { logger: console });
  const wildcard = (_type: keyof Events, event: SignalEvent): void => {
    try {
      handler(event);
    } catch (error) {
      logger.error({ err: error, signal: event.signal }, '@adv/signals: an onAny observer threw');
    }
  };
  emitter.on('*', wildcard);
  observers += 1;
  let active = true;
  return function stopObserving(): void {
    if (!active) return;
    active = false;
    emitter.off('*', wildcard);
    observers -= 1;
  };
}
