import type { OptionKeys } from '@adv/types';
import { describeValue, SignalError } from './errors.js';
import { type M2mAction, type M2mChangedArgs, m2mChanged } from './model-signals.js';
import { signalOptions } from './options.js';
import { assertRunner, type TransactionRunner } from './runner.js';
import type { Signal } from './signal.js';
import { inTransactionOn } from './transaction.js';
import { assertMethods, overrideMethods } from './wrap.js';

/** A many-to-many relation's data access: add, remove and clear related keys of an instance. */
export interface M2mRelation<Instance = never, Keys = never> {
  /** Relates `instance` to the objects with these keys (an array or another iterable). */
  add(instance: Instance, keys: Keys, ...rest: never[]): unknown;
  /** Unrelates `instance` from the objects with these keys (an array or another iterable). */
  remove(instance: Instance, keys: Keys, ...rest: never[]): unknown;
  /** Unrelates `instance` from every object. */
  clear(instance: Instance, ...rest: never[]): unknown;
}

/** Options of {@link withM2mSignals}. */
export interface M2mSignalsOptions {
  /**
   * The `sender` of every send, what receivers filter on (Django: the "through" model).
   * @defaultValue the relation object itself
   */
  sender?: unknown | undefined;
  /** The model of the related objects, passed as `model`. */
  model?: unknown | undefined;
  /**
   * Whether `instance` is on the reverse side of the relation, passed as `reverse`.
   * @defaultValue `false`
   */
  reverse?: boolean | undefined;
  /** A database alias passed along as `using`. */
  using?: string | undefined;
  /**
   * The connection the relation writes on: outside an `atomic` block on it, each `add`,
   * `remove` and `clear` runs in its own block (see `ModelSignalsOptions.runner`).
   * @defaultValue `undefined` (writes where they are called)
   */
  runner?: TransactionRunner | undefined;
  /**
   * The signal to send.
   * @defaultValue the built-in {@link m2mChanged}
   */
  signal?: Signal<M2mChangedArgs> | undefined;
}

const M2M_SIGNALS_KEYS: OptionKeys<M2mSignalsOptions> = {
  sender: true,
  model: true,
  reverse: true,
  using: true,
  runner: true,
  signal: true,
};

type Method<F> = F extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;

/** A relation whose `add`, `remove` and `clear` send `m2mChanged` and return promises. */
export type SignalingRelation<R extends M2mRelation> = Omit<R, 'add' | 'remove' | 'clear'> & {
  add: Method<R['add']>;
  remove: Method<R['remove']>;
  clear: Method<R['clear']>;
};

/**
 * Wraps a many-to-many relation so that its writes send {@link m2mChanged} like Django's
 * related managers: `add` sends `preAdd` and `postAdd`, `remove` sends `preRemove` and
 * `postRemove` (with `pkSet`, the keys passed), `clear` sends `preClear` and `postClear`
 * (without `pkSet`). Receivers are awaited and their errors propagate: a `pre*` error
 * prevents the write. Every other member passes through unchanged.
 *
 * @param relation - Any object with `add(instance, keys)`, `remove(instance, keys)` and `clear(instance)`.
 * @param options - `sender`, `model`, `reverse`, `using`, `signal`: see {@link M2mSignalsOptions}.
 * @example
 * ```ts
 * const articleTags = withM2mSignals(new ArticleTagRepository(db), { sender: ArticleTag, model: Tag });
 * m2mChanged.connect(({ action, instance }) => {
 *   if (action === 'postAdd') onCommit(() => cache.delete(`article:${(instance as Article).id}`));
 * }, { sender: ArticleTag });
 * await articleTags.add(article, [1, 2]);
 * ```
 */
export function withM2mSignals<R extends M2mRelation>(
  relation: R,
  options: M2mSignalsOptions = {},
): SignalingRelation<R> {
  assertMethods('relation', relation, ['add', 'remove', 'clear']);
  const resolved = signalOptions('withM2mSignals', options, M2M_SIGNALS_KEYS, { reverse: false, signal: m2mChanged });
  const sender = resolved.sender ?? relation;
  const { model, reverse, using, runner } = resolved;
  if (runner !== undefined) assertRunner(runner);
  const changed = resolved.signal;
  const target = relation as unknown as Record<'add' | 'remove' | 'clear', (...args: unknown[]) => unknown>;

  const around =
    (method: 'add' | 'remove' | 'clear', before: M2mAction, after: M2mAction) =>
    async (instance: unknown, ...rest: unknown[]): Promise<unknown> => {
      const keys = rest[0];
      if (
        method !== 'clear' &&
        (typeof keys === 'string' || typeof (keys as Iterable<unknown>)?.[Symbol.iterator] !== 'function')
      ) {
        throw new SignalError(
          'ERR_INVALID_OPTION',
          `Expected \`keys\` to be an array of keys, got ${describeValue(keys)}`,
        );
      }
      const pkSet = method === 'clear' ? undefined : new Set(keys as Iterable<unknown>);
      return inTransactionOn(runner, async () => {
        await changed.asend(sender, { instance, action: before, reverse, model, pkSet, using });
        const result = await target[method](instance, ...rest);
        await changed.asend(sender, { instance, action: after, reverse, model, pkSet, using });
        return result;
      });
    };

  return overrideMethods(relation, {
    add: around('add', 'preAdd', 'postAdd'),
    remove: around('remove', 'preRemove', 'postRemove'),
    clear: around('clear', 'preClear', 'postClear'),
  }) as unknown as SignalingRelation<R>;
}
