/**
 * A message resolved when it is rendered, in the locale active at that moment (Django's
 * `gettext_lazy`): safe for module-level constants, which run before any request has a locale.
 * `String(message)`, template literals, `JSON.stringify` and LiquidJS output all resolve it.
 */
export class LazyMessage {
  readonly #resolve: () => string;
  /** The message id. */
  readonly id: string;

  constructor(id: string, resolve: () => string) {
    this.id = id;
    this.#resolve = resolve;
  }

  /** The message in the active locale. */
  toString(): string {
    return this.#resolve();
  }

  /** The message in the active locale (so `JSON.stringify` resolves it). */
  toJSON(): string {
    return this.#resolve();
  }

  /** The message in the active locale. */
  valueOf(): string {
    return this.#resolve();
  }

  /** The message in the active locale, for template literals and `+`. */
  [Symbol.toPrimitive](): string {
    return this.#resolve();
  }
}
