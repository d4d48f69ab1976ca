import type { OptionKeys } from '@adv/types';
import { describeValue, SignalError } from './errors.js';
import { signalOptions } from './options.js';
import type { Signal } from './signal.js';
import type { ConnectOptions, Receiver, SenderOf, SignalArgs } from './signal-types.js';

const CONNECT_KEYS: OptionKeys<ConnectOptions> = { sender: true, dispatchUid: true, weak: true };

/** Bound static methods connected by the decorator, kept alive by their class. */
const boundByClass = new WeakMap<object, unknown[]>();

/** The subset of a TC39 decorator context that {@link receiver} reads. */
interface MethodDecoratorContext {
  kind: string;
  static?: boolean;
  name?: string | symbol;
  addInitializer?(initializer: (this: unknown) => void): void;
}

/**
 * Django's `@receiver`: connects a function to one or more signals and returns it unchanged,
 * so registration sits next to the definition. Also works as a TC39 decorator on a
 * `static` class method (connected, bound to the class, when the class is defined).
 *
 * @param signals - One signal, or several that share the args type.
 * @param options - Passed to each `connect`: `sender`, `dispatchUid`, `weak`.
 * @returns A function that connects its argument and returns it.
 * @example
 * ```ts
 * export const invalidateArticle = receiver(postSave, { sender: Article, dispatchUid: 'invalidate-article' })(
 *   ({ instance }) => cache.delete(`article:${(instance as Article).id}`),
 * );
 *
 * class AuditReceivers {
 *   @receiver([postSave, postDelete])
 *   static audit({ sender, instance }: ModelArgs) { log(sender, instance); }
 * }
 * ```
 */
export function receiver<Args extends SignalArgs, Result = unknown>(
  signals: Signal<Args, Result> | readonly Signal<Args, Result>[],
  options: ConnectOptions<SenderOf<Args>> = {},
): <F extends Receiver<Args, Result>>(fn: F, context?: MethodDecoratorContext) => F {
  // Checked once here, so a misspelled key fails where the decorator is written.
  signalOptions('receiver', options, CONNECT_KEYS, {});
  const list: readonly Signal<Args, Result>[] = Array.isArray(signals) ? signals : [signals as Signal<Args, Result>];
  if (list.length === 0) {
    throw new SignalError('ERR_INVALID_OPTION', 'Expected `signals` to hold at least one signal, got `[]` (object)');
  }
  for (const [index, item] of list.entries()) {
    if (item === null || typeof item !== 'object' || typeof (item as { connect?: unknown }).connect !== 'function') {
      throw new SignalError(
        'ERR_INVALID_OPTION',
        `Expected \`signals[${index}]\` to be a Signal, got ${describeValue(item)}`,
      );
    }
  }
  return function connectReceiver<F extends Receiver<Args, Result>>(fn: F, context?: MethodDecoratorContext): F {
    if (context !== undefined && context.kind === 'method') {
      if (!context.static || context.addInitializer === undefined) {
        throw new SignalError(
          'ERR_INVALID_OPTION',
          `@receiver decorates functions and static methods only; \`${String(context.name)}\` is an instance method (it would connect once per instance)`,
        );
      }
      context.addInitializer(function connectStatic(this: unknown) {
        const bound = fn.bind(this) as F;
        // Nothing but the connection would hold the bound copy: a `weak` one would be collected
        // at once. Tie it to the class instead, so `weak` means "as long as the class lives".
        if (typeof this === 'function' || (typeof this === 'object' && this !== null)) {
          const kept = boundByClass.get(this) ?? [];
          kept.push(bound);
          boundByClass.set(this, kept);
        }
        for (const item of list) item.connect(bound, options);
      });
      return fn;
    }
    for (const item of list) item.connect(fn, options);
    return fn;
  };
}
