import type { Logger } from '@adv/types';
import type { Catalog } from './catalog.js';
import type { I18nError } from './errors.js';

/** Values a message's `{arguments}` are filled with. */
export type MessageValues = Readonly<Record<string, string | number | bigint | boolean | Date | null | undefined>>;

/**
 * The message ids of a catalog type: `keyof` of the default catalog, so a typo in `t('...')` is
 * a compile error. One indexed access, no recursive template-literal types: cheap on 5,000 keys.
 * A catalog typed as `Record<string, string>` (or unknown until loaded) allows any string.
 */
export type MessageIdOf<C> = C extends Catalog ? (string extends keyof C ? string : keyof C & string) : string;

/**
 * `unknown` when `context\u0004id` is a known id (or ids are untyped), `never` otherwise: the
 * `id` argument of `pgettext` is intersected with it, so an unknown pair is a compile error. One
 * template literal checked against the id union (a hashed lookup), not inferred over it.
 */
export type KnownContextId<Id extends string, C extends string, I extends string> = string extends Id
  ? unknown
  : `${C}\u0004${I}` extends Id
    ? unknown
    : never;

/** What `onMissing` is told when the active locale's own catalog lacks an id. */
export interface MissingMessage {
  /** The id asked for. */
  readonly id: string;
  /** The active locale. */
  readonly locale: string;
  /** The locale down the fallback chain that has the id, or `undefined` when none has it. */
  readonly fallbackLocale: string | undefined;
}

/** Options of {@link createI18n}. */
export interface I18nOptions<Default extends string = string, Messages = Record<string, Catalog>> {
  /**
   * The locales the app offers (BCP 47, any case: `pt-br` is stored as `pt-BR`); negotiation only picks these.
   * @example ['en', 'pt-BR']
   */
  locales: readonly string[];
  /** The locale used when nothing else matches, and the end of every fallback chain. Must be in `locales`. */
  defaultLocale: Default;
  /**
   * Catalogs by locale, validated at creation. The default locale's catalog types the message ids.
   * Catalogs may also be given for locales outside `locales` that serve as fallbacks (`pt` for `pt-BR`).
   */
  messages?: Messages | undefined;
  /** Loads a catalog the first time a locale is used (`await i18n.load(locale)`; the middleware does it). */
  loadMessages?: ((locale: string) => Catalog | Promise<Catalog>) | undefined;
  /**
   * Extra fallbacks per locale, tried after the locale itself and before its parent language
   * and the default. The full chain of `pt-BR` is `pt-BR -> pt -> defaultLocale`.
   * @defaultValue `{}`
   * @example { 'pt-BR': ['pt-PT'] }
   */
  fallback?: Readonly<Record<string, readonly string[]>> | undefined;
  /**
   * Time zone used when none is active (IANA name).
   * @defaultValue `'UTC'`
   */
  timeZone?: string | undefined;
  /**
   * Called when the active locale's own catalog lacks an id; return a string to use it instead
   * of the fallback (or of the id, when no catalog has it).
   */
  onMissing?: (missing: MissingMessage) => string | undefined;
  /**
   * Called when a message or value fails to format; `t` then returns the message source (or the value as text).
   * @defaultValue logs through `logger.error`
   */
  onError?: ((error: I18nError) => void) | undefined;
  /**
   * Treat catalog warnings (missing translations, unused ids, unused arguments) as errors.
   * @defaultValue `false`
   */
  strict?: boolean | undefined;
  /** Catalog file per locale, named in validation errors (filled in by {@link loadCatalogs}). */
  files?: Readonly<Record<string, string>> | undefined;
  /**
   * Where catalog warnings and format errors go.
   * @defaultValue none: format errors are dropped, and catalog warnings (missing translations,
   * unused ids or arguments) are emitted as one process warning named `I18nCatalogWarning`
   */
  logger?: Logger | undefined;
}

/** Options accepted where the active locale is set. */
export interface ActivateOptions {
  /** Time zone for dates and times in this scope (IANA name); defaults to the instance's `timeZone`. */
  timeZone?: string | undefined;
}

/** Date-like inputs of the date and time formatters. */
export type DateInput = Date | number | string;
