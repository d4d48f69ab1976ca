import { Signal } from './signal.js';
import type { ConnectOptions, Receiver } from './signal-types.js';

/** A model class: what a model signal's `sender` usually is (Django sends the model class). */
export type ModelClass = abstract new (...args: never[]) => unknown;

/** A model signal's args seen from a receiver connected with `{ sender: Model }`. */
export type ModelArgsOf<Args, Model extends ModelClass> = Omit<Args, 'sender' | 'instance'> & {
  sender: Model;
  instance: InstanceType<Model>;
};

/**
 * A {@link Signal} whose args carry an `instance` of the sender: connected with
 * `{ sender: Article }` (a class), a receiver gets `instance: Article` and needs no cast.
 * Connected with any other sender, or none, it gets `instance: unknown`.
 *
 * @example
 * ```ts
 * postSave.connect(({ instance, created }) => created && mailer.welcome(instance.email), { sender: User });
 * ```
 */
export class ModelSignal<Args extends { sender: unknown; instance: unknown }> extends Signal<Args> {
  /**
   * Connects `receiver`; with a class as `sender`, the receiver's `instance` is typed as an
   * instance of it. See {@link Signal.connect}.
   */
  override connect<Model extends ModelClass>(
    receiver: (args: ModelArgsOf<Args, Model>) => unknown,
    options: ConnectOptions<Model> & { sender: Model },
  ): () => boolean;
  override connect(receiver: Receiver<Args>, options?: ConnectOptions<unknown>): () => boolean;
  override connect(receiver: Receiver<Args>, options?: ConnectOptions<unknown>): () => boolean {
    return super.connect(receiver, options);
  }

  /** Disconnects a receiver connected with a class as `sender`. See {@link Signal.disconnect}. */
  override disconnect<Model extends ModelClass>(
    receiver: (args: ModelArgsOf<Args, Model>) => unknown,
    options: { sender: Model },
  ): boolean;
  override disconnect(receiver: Receiver<Args>, options?: { sender?: unknown }): boolean;
  override disconnect(options: { dispatchUid: string | symbol; sender?: unknown }): boolean;
  override disconnect(
    target: Receiver<Args> | { dispatchUid: string | symbol; sender?: unknown },
    options?: { sender?: unknown },
  ): boolean {
    return typeof target === 'function' ? super.disconnect(target, options) : super.disconnect(target);
  }
}
