import type { OptionKeys } from '@adv/types';
import { describeValue, SignalError } from './errors.js';
import {
  type DeleteArgs,
  type PostSaveArgs,
  type PreSaveArgs,
  postDelete,
  postSave,
  preDelete,
  preSave,
} from './model-signals.js';
import { nestedOptions, signalOptions } from './options.js';
import { assertRunner, type TransactionRunner } from './runner.js';
import type { Signal } from './signal.js';
import { inTransactionOn } from './transaction.js';
import { assertMethods, overrideMethods } from './wrap.js';

/** Any data-access object with `save` and `delete`: a repository, a DAO, a model manager. */
export interface Repository<Instance = never> {
  /** Inserts or updates `instance`. Extra arguments are passed through. */
  save(instance: Instance, ...rest: never[]): unknown;
  /** Deletes `instance`. Extra arguments are passed through. */
  delete(instance: Instance, ...rest: never[]): unknown;
}

/** Options of {@link withModelSignals}. */
export interface ModelSignalsOptions<Instance = unknown> {
  /**
   * The `sender` of every model signal this repository sends, what receivers filter on
   * (Django sends the model class).
   * @defaultValue the repository object itself
   */
  sender?: unknown | undefined;
  /**
   * Whether `save(instance)` will insert (sets `preSave`'s `adding` and `postSave`'s
   * `created`), decided before the save runs.
   * @defaultValue `instance.id` is `undefined` or `null`
   */
  isNew?: ((instance: Instance) => boolean) | undefined;
  /**
   * A database alias passed along as `using`.
   * @defaultValue `undefined`
   */
  using?: string | undefined;
  /**
   * The connection the repository writes on. When given, a `save` or `delete` called outside
   * an {@link atomic} block on this runner runs in its own block (its signals, its write and
   * its `onCommit` callbacks together, serialized with the other blocks on the connection),
   * instead of writing in autocommit into whatever transaction another request has open on
   * the same connection, and so being rolled back with it while its `onCommit` work already ran.
   * Inside a block on this runner, it joins that block.
   * @defaultValue `undefined` (writes where they are called)
   * @example withModelSignals(new ArticleRepository(db), { sender: Article, runner })
   */
  runner?: TransactionRunner | undefined;
  /**
   * The signals to send; the built-in ones by default. Pass your own to keep tests or
   * tenants apart.
   */
  signals?:
    | {
        preSave?: Signal<PreSaveArgs> | undefined;
        postSave?: Signal<PostSaveArgs> | undefined;
        preDelete?: Signal<DeleteArgs> | undefined;
        postDelete?: Signal<DeleteArgs> | undefined;
      }
    | undefined;
}

const MODEL_SIGNALS_KEYS: OptionKeys<ModelSignalsOptions> = {
  sender: true,
  isNew: true,
  using: true,
  runner: true,
  signals: true,
};
const MODEL_SIGNAL_KEYS: OptionKeys<NonNullable<ModelSignalsOptions['signals']>> = {
  preSave: true,
  postSave: true,
  preDelete: true,
  postDelete: true,
};

type Method<F> = F extends (...args: infer A) => infer R ? (...args: A) => Promise<Awaited<R>> : never;

/** A repository whose `save` and `delete` send the model signals and return promises. */
export type SignalingRepository<R extends Repository<never>> = Omit<R, 'save' | 'delete'> & {
  save: Method<R['save']>;
  delete: Method<R['delete']>;
};

const defaultIsNew = (instance: unknown): boolean => {
  const id = (instance as { id?: unknown } | null)?.id;
  return id === undefined || id === null;
};

/**
 * Wraps a repository so that its writes send the model signals: `save` sends `preSave`,
 * saves, then sends `postSave` with `created`; `delete` sends `preDelete` and `postDelete`.
 * Receivers are awaited (`asend`, so they may be async), and a receiver's error propagates:
 * a `preSave` error prevents the write, a `postSave` error inside {@link atomic} rolls it
 * back. Every other member passes through unchanged.
 *
 * @param repository - Any object with `save(instance)` and `delete(instance)`.
 * @param options - `sender`, `isNew`, `using`, `runner`, `signals`: see {@link ModelSignalsOptions}.
 * @example
 * ```ts
 * const articles = withModelSignals(new ArticleRepository(db), { sender: Article });
 * postSave.connect(({ instance }) => onCommit(() => cache.delete(`article:${(instance as Article).id}`)), { sender: Article });
 * await atomic(() => articles.save(article), { runner });
 * ```
 */
export function withModelSignals<R extends Repository<never>>(
  repository: R,
  options: ModelSignalsOptions<Parameters<R['save']>[0]> = {},
): SignalingRepository<R> {
  assertMethods('repository', repository, ['save', 'delete']);
  const resolved = signalOptions('withModelSignals', options, MODEL_SIGNALS_KEYS, { isNew: defaultIsNew });
  const own = nestedOptions('withModelSignals', 'signals', resolved.signals, MODEL_SIGNAL_KEYS, {
    preSave,
    postSave,
    preDelete,
    postDelete,
  });
  const isNew = resolved.isNew as (instance: unknown) => boolean;
  if (typeof isNew !== 'function') {
    throw new SignalError('ERR_INVALID_OPTION', `Expected \`isNew\` to be a function, got ${describeValue(isNew)}`);
  }
  const sender = resolved.sender ?? repository;
  const using = resolved.using;
  const runner = resolved.runner;
  if (runner !== undefined) assertRunner(runner);
  const signals = {
    preSave: own.preSave,
    postSave: own.postSave,
    preDelete: own.preDelete,
    postDelete: own.postDelete,
  };
  const target = repository as unknown as Record<'save' | 'delete', (...args: unknown[]) => unknown>;

  function save(instance: unknown, ...rest: unknown[]): Promise<unknown> {
    return inTransactionOn(runner, async () => {
      const adding = isNew(instance);
      await signals.preSave.asend(sender, { instance, adding, using });
      const result = await target.save(instance, ...rest);
      await signals.postSave.asend(sender, { instance, created: adding, result, using });
      return result;
    });
  }

  function remove(instance: unknown, ...rest: unknown[]): Promise<unknown> {
    return inTransactionOn(runner, async () => {
      await signals.preDelete.asend(sender, { instance, using });
      const result = await target.delete(instance, ...rest);
      await signals.postDelete.asend(sender, { instance, using });
      return result;
    });
  }

  return overrideMethods(repository, { save, delete: remove }) as unknown as SignalingRepository<R>;
}
