import { ModelSignal } from './model-signal.js';
import { Signal } from './signal.js';

/** Args of {@link preSave}: sent before a repository writes an instance. */
export interface PreSaveArgs {
  /** The model (class, constructor, table name or repository) whose instance is saved. */
  sender: unknown;
  /** The instance about to be saved. */
  instance: unknown;
  /** Whether this save inserts a new row (Django's `instance._state.adding`). */
  adding: boolean;
  /** The database alias, when the app uses several. */
  using?: string | undefined;
}

/** Args of {@link postSave}: sent after a repository wrote an instance. */
export interface PostSaveArgs {
  /** The model whose instance was saved. */
  sender: unknown;
  /** The instance that was saved. */
  instance: unknown;
  /** `true` when a new row was inserted, `false` on an update. */
  created: boolean;
  /** What the repository's `save` returned (the stored row, an id, ...). */
  result?: unknown;
  /** The database alias, when the app uses several. */
  using?: string | undefined;
}

/** Args of {@link preDelete} and {@link postDelete}. */
export interface DeleteArgs {
  /** The model whose instance is deleted. */
  sender: unknown;
  /** The instance being (or just) deleted. */
  instance: unknown;
  /** The database alias, when the app uses several. */
  using?: string | undefined;
}

/** The `action` of an {@link m2mChanged} send, as Django's `pre_add` ... `post_clear`. */
export type M2mAction = 'preAdd' | 'postAdd' | 'preRemove' | 'postRemove' | 'preClear' | 'postClear';

/** Args of {@link m2mChanged}: a many-to-many relation of `instance` changes. */
export interface M2mChangedArgs {
  /** The relation (Django: the intermediate "through" model). */
  sender: unknown;
  /** The instance whose relation changes. */
  instance: unknown;
  /** Which step of which change. */
  action: M2mAction;
  /** `true` when `instance` is on the reverse side of the relation. */
  reverse: boolean;
  /** The model of the objects added, removed or cleared. */
  model: unknown;
  /** Primary keys added or removed; `undefined` for the clear actions. */
  pkSet?: ReadonlySet<unknown> | undefined;
  /** The database alias, when the app uses several. */
  using?: string | undefined;
}

/**
 * Sent before a model instance is saved (Django's `pre_save`). A receiver that throws
 * stops the save.
 * @example
 * ```ts
 * preSave.connect(({ instance }) => { instance.slug ??= slugify(instance.title); }, { sender: Article });
 * ```
 */
export const preSave: ModelSignal<PreSaveArgs> = new ModelSignal<PreSaveArgs>({ name: 'preSave' });

/**
 * Sent after a model instance is saved (Django's `post_save`), with `created`.
 * @example
 * ```ts
 * postSave.connect(({ instance, created }) => { if (created) onCommit(() => welcome.enqueue({ userId: instance.id })); }, { sender: User });
 * ```
 */
export const postSave: ModelSignal<PostSaveArgs> = new ModelSignal<PostSaveArgs>({ name: 'postSave' });

/** Sent before a model instance is deleted (Django's `pre_delete`). */
export const preDelete: ModelSignal<DeleteArgs> = new ModelSignal<DeleteArgs>({ name: 'preDelete' });

/** Sent after a model instance is deleted (Django's `post_delete`). */
export const postDelete: ModelSignal<DeleteArgs> = new ModelSignal<DeleteArgs>({ name: 'postDelete' });

/**
 * Sent when a many-to-many relation changes (Django's `m2m_changed`), once before and once
 * after each add, remove and clear. A plain `Signal`, not a `ModelSignal`: its sender is the
 * relation, not the class of `instance`.
 * @example
 * ```ts
 * m2mChanged.send(ArticleTags, { instance: article, action: 'postAdd', reverse: false, model: Tag, pkSet: new Set([1, 2]) });
 * ```
 */
export const m2mChanged: Signal<M2mChangedArgs> = new Signal<M2mChangedArgs>({ name: 'm2mChanged' });
