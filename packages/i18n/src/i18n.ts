import { AsyncLocalStorage } from 'node:async_hooks';
import type { IntlShape } from '@formatjs/intl';
import { type Catalog, CONTEXT_SEPARATOR } from './catalog.js';
import { CatalogRegistry } from './catalog-registry.js';
import type { I18nError } from './errors.js';
import { type Localizer, localizerFor } from './format.js';
import { LazyMessage } from './lazy.js';
import { activeScope, intlOfScope, scopeMethods } from './locale-scope.js';
import { createLocaleStates, type Scope } from './locale-state.js';
import { MessageFormatterPool } from './message-table.js';
import { type ResolvedOptions, resolveOptions } from './options.js';
import { createTranslator } from './translator.js';
import type { ActivateOptions, I18nOptions, KnownContextId, MessageIdOf, MessageValues } from './types.js';

/** An i18n instance: translation, the active locale and time zone, and l10n formatting. */
export interface I18n<Id extends string = string> extends Localizer {
  /** The offered locales, canonical (`pt-BR`). */
  readonly locales: readonly string[];
  /** The default locale. */
  readonly defaultLocale: string;
  /**
   * Translates `id` in the active locale (gettext), filling ICU `{arguments}`, plurals and
   * selects from `values`. An id no catalog has is itself formatted as an ICU message of the
   * default locale (gettext returns the msgid), or returned as is when it is not ICU.
   */
  t(id: Id, values?: MessageValues): string;
  /**
   * Translates `id` in a context (Django's `pgettext`): looks up the key `context\u0004id`;
   * when no catalog has it, `id` (without the context) is formatted as for {@link I18n.t}. With
   * typed ids, a pair that is not in the default catalog is a compile error.
   */
  pgettext<const C extends string, const I extends string>(
    context: C,
    id: I & KnownContextId<Id, C, I>,
    values?: MessageValues,
  ): string;
  /** A message resolved when rendered, in the locale active then (`gettext_lazy`). */
  lazy(id: Id, values?: MessageValues): LazyMessage;
  /** Whether the chain of `locale` (default: the active one) has a message for `id`. */
  has(id: string, locale?: string): boolean;
  /** Runs `fn` with `locale` (and optionally a time zone) active for everything it awaits. */
  withLocale<R>(locale: string, fn: () => R, options?: ActivateOptions): R;
  /** Makes `locale` active for the rest of the current async scope (Django's `activate`). */
  activate(locale: string, options?: ActivateOptions): void;
  /** Returns the current scope to the default locale and time zone (Django's `deactivate`). */
  deactivate(): void;
  /** The active locale (the default outside any scope). */
  getLocale(): string;
  /** The active time zone. */
  getTimeZone(): string;
  /**
   * The locale prefix the current request's path began with, as `localeMiddleware` read it
   * (`'/pt-br'` for `/pt-br/about`, lower-cased), or `''` when its locale came from elsewhere
   * (cookie, `Accept-Language`, default) or outside a request. For links that stay in the
   * request's URL space (Django's `i18n_patterns`).
   */
  getPathPrefix(): string;
  /** The supported locale a tag names, case-insensitively (`pt-br` -> `pt-BR`), or `undefined`. */
  resolveLocale(tag: string): string | undefined;
  /** The fallback chain of a supported locale, e.g. `['pt-BR', 'pt', 'en']`. */
  fallbackChain(locale: string): readonly string[];
  /** Loads (with `loadMessages`) and validates the catalogs of `locale`'s chain; resolves at once if loaded. */
  load(locale: string): Promise<void>;
  /** Whether every catalog of `locale`'s chain is loaded. */
  isLoaded(locale: string): boolean;
  /** The raw @formatjs/intl object of the active locale and time zone (an escape hatch). */
  intl(): IntlShape;
}

/** The `name` of the process warning that reports catalog warnings when no `logger` is given. */
export const CATALOG_WARNING = 'I18nCatalogWarning';

/**
 * Creates an i18n instance. Catalogs given in `messages` are validated now (a malformed message,
 * an argument the default message lacks, a non-string value: {@link CatalogError} listing file,
 * locale and key of each); `loadMessages` catalogs when first loaded.
 *
 * @example
 * ```ts
 * import en from './locale/en.json' with { type: 'json' };
 * import ptBR from './locale/pt-BR.json' with { type: 'json' };
 * const i18n = createI18n({ locales: ['en', 'pt-BR'], defaultLocale: 'en', messages: { en, 'pt-BR': ptBR } });
 * i18n.withLocale('pt-BR', () => i18n.t('cart.items', { count: 2 })); // "2 itens"
 * ```
 */
export function createI18n<
  const Default extends string,
  Messages extends { readonly [locale: string]: Catalog } = Record<string, Catalog>,
>(options: I18nOptions<Default, Messages>): I18n<MessageIdOf<Messages[Default]>> {
  const resolved = resolveOptions(options as I18nOptions);
  const { locales, defaultLocale, logger, timeZone } = resolved;
  const onError =
    options.onError ?? ((error: I18nError) => logger.error({ err: error, code: error.code }, error.message));
  const registry = new CatalogRegistry({ ...resolved, onWarnings: catalogWarnings(options.logger, logger) });
  const states = createLocaleStates(resolved, registry);
  const storage = new AsyncLocalStorage<Scope>();
  const active = activeScope(storage, states, timeZone);
  const translate = createTranslator({
    storage,
    states,
    pool: new MessageFormatterPool(),
    defaultLocale,
    timeZone,
    onMissing: options.onMissing,
    onError,
  });
  const intl = intlOfScope(active, defaultLocale, onError);
  const chainOf = (locale: string) => states.stateOf(states.supported(locale)).chain;
  const i18n: I18n = {
    locales,
    defaultLocale,
    t: translate,
    pgettext: (context: string, id: string, values?: MessageValues) =>
      translate(`${context}${CONTEXT_SEPARATOR}${id}`, values, id),
    lazy: (id: string, values?: MessageValues) => new LazyMessage(id, () => translate(id, values)),
    has: (id, locale) =>
      states.tableOf(locale === undefined ? active.state() : states.stateOf(states.supported(locale))).has(id),
    ...scopeMethods(storage, states, active, timeZone),
    resolveLocale: states.resolveLocale,
    fallbackChain: chainOf,
    load: (locale) => registry.load(chainOf(locale)),
    isLoaded: (locale) => registry.isLoaded(chainOf(locale)),
    intl,
    ...localizerFor(intl),
  };
  return i18n as unknown as I18n<MessageIdOf<Messages[Default]>>;
}

/**
 * Where catalog warnings (a locale missing keys, an unused argument) go: the `logger` when one
 * was given; without one they still show, as a Node process warning printed once on stderr.
 */
function catalogWarnings(given: I18nOptions['logger'], logger: ResolvedOptions['logger']): (text: string) => void {
  if (given === undefined && typeof globalThis.process?.emitWarning === 'function') {
    return (text) => process.emitWarning(text, { type: CATALOG_WARNING, code: 'ADV_I18N_CATALOG' });
  }
  return (text) => logger.warn(text);
}
