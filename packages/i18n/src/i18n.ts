import { AsyncLocalStorage } from 'node:async_hooks';
import type { OptionKeys } from '@adv/types';
import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import { type Catalog, CONTEXT_SEPARATOR, compileMessage } from './catalog.js';
import { CatalogRegistry } from './catalog-registry.js';
import { describe, I18nError } from './errors.js';
import { type Localizer, localizerFor } from './format.js';
import { LazyMessage } from './lazy.js';
import { fallbackChain, isValidTimeZone } from './locale-tags.js';
import { buildTable, type MessageEntry, MessageFormatterPool } from './message-table.js';
import { checkOptionKeys, resolveOptions } from './options.js';
import type {
  ActivateOptions,
  I18nOptions,
  KnownContextId,
  MessageIdOf,
  MessageValues,
  MissingMessage,
} from './types.js';

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

/** How many distinct untranslated ids keep their compiled message (the cache is then reset). */
const MAX_UNTRANSLATED = 1000;

/** Checked per call of `withLocale`/`activate`: a key loop, no copy. */
const ACTIVATE_KEYS: OptionKeys<ActivateOptions> = { timeZone: true };

interface LocaleState {
  readonly locale: string;
  readonly chain: readonly string[];
  table: Map<string, MessageEntry> | undefined;
}

interface Scope {
  state: LocaleState;
  timeZone: string;
}

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
  const { locales, defaultLocale, logger } = resolved;
  const onMissing = options.onMissing;
  const onError =
    options.onError ?? ((error: I18nError) => logger.error({ err: error, code: error.code }, error.message));
  const byLowercase = new Map(locales.map((locale) => [locale.toLowerCase(), locale]));
  const known = new Set([...locales, ...Object.keys(resolved.messages), ...Object.values(resolved.fallback).flat()]);
  // Without a logger, catalog warnings (a locale missing keys, an unused argument) still show:
  // as a Node process warning, printed once on stderr and silenced by passing a `logger`.
  const onWarnings =
    options.logger === undefined && typeof globalThis.process?.emitWarning === 'function'
      ? (text: string) => process.emitWarning(text, { type: CATALOG_WARNING, code: 'ADV_I18N_CATALOG' })
      : (text: string) => logger.warn(text);
  const registry = new CatalogRegistry({ ...resolved, onWarnings });
  const pool = new MessageFormatterPool();
  const intlCache = createIntlCache();
  const intls = new Map<string, IntlShape>();
  const states = new Map<string, LocaleState>();
  const storage = new AsyncLocalStorage<Scope>();

  const stateOf = (locale: string): LocaleState => {
    let state = states.get(locale);
    if (!state) {
      state = { locale, chain: fallbackChain(locale, defaultLocale, known, resolved.fallback), table: undefined };
      states.set(locale, state);
    }
    return state;
  };
  registry.onChange = () => {
    for (const state of states.values()) state.table = undefined;
  };
  for (const locale of locales) stateOf(locale);
  const defaultState = stateOf(defaultLocale);
  const tableOf = (state: LocaleState) =>
    (state.table ??= buildTable(state.chain, (locale) => registry.entries(locale)));

  const supported = (locale: string): string => {
    const found = typeof locale === 'string' ? byLowercase.get(locale.toLowerCase()) : undefined;
    if (found === undefined) {
      throw new I18nError(
        'ERR_UNKNOWN_LOCALE',
        `Expected \`locale\` to be one of ${locales.map((l) => `\`${l}\``).join(', ')}, got ${describe(locale)}`,
      );
    }
    return found;
  };
  const zone = (timeZone: string | undefined): string => {
    if (timeZone === undefined) return resolved.timeZone;
    if (!isValidTimeZone(timeZone)) {
      throw new I18nError(
        'ERR_INVALID_OPTION',
        `Expected \`timeZone\` to be an IANA time zone, got ${describe(timeZone)}`,
      );
    }
    return timeZone;
  };
  const currentState = () => storage.getStore()?.state ?? defaultState;
  const currentTimeZone = () => storage.getStore()?.timeZone ?? resolved.timeZone;

  const missing = (id: string, state: LocaleState, entry: MessageEntry | undefined): string | undefined => {
    if (!onMissing) return undefined;
    const event: MissingMessage = { id, locale: state.locale, fallbackLocale: entry?.locale };
    return onMissing(event);
  };

  // Ids no catalog has, compiled as messages of the default locale (gettext returns the msgid).
  const untranslated = new Map<string, MessageEntry | null>();
  const untranslatedEntry = (source: string): MessageEntry | undefined => {
    let entry = untranslated.get(source);
    if (entry === undefined) {
      try {
        entry = { locale: defaultLocale, message: compileMessage(source), formatter: undefined, byTimeZone: undefined };
      } catch {
        entry = null; // Not ICU (a key such as `a.{b`): shown as is.
      }
      if (untranslated.size >= MAX_UNTRANSLATED) untranslated.clear();
      untranslated.set(source, entry);
    }
    return entry ?? undefined;
  };

  /**
   * Looks `key` up along the active chain and formats it. When no catalog has it, `source`
   * (the id itself, without a pgettext context) is formatted as a message of the default
   * locale, like gettext returning the msgid: `{% blocktrans %}` and ICU ids render as text,
   * not as raw ICU, before they are extracted into a catalog.
   */
  const translate = (key: string, values: MessageValues | undefined, source: string = key): string => {
    const scope = storage.getStore();
    const state = scope ? scope.state : defaultState;
    let entry = (state.table ?? tableOf(state)).get(key);
    if (entry === undefined || entry.locale !== state.locale) {
      const replacement = missing(key, state, entry);
      if (replacement !== undefined) return replacement;
      if (entry === undefined) {
        if (typeof source !== 'string') return String(source);
        entry = untranslatedEntry(source);
        if (entry === undefined) return source;
      }
    }
    const literal = entry.message.literal;
    if (literal !== undefined) return literal;
    try {
      const output: unknown = pool
        .formatterOf(entry, scope ? scope.timeZone : resolved.timeZone, state.locale)
        .format(values);
      // Object values (a LazyMessage, a Liquid drop) make IntlMessageFormat return parts.
      return typeof output === 'string' ? output : Array.isArray(output) ? output.join('') : String(output);
    } catch (cause) {
      onError(
        new I18nError('ERR_FORMAT', `Could not format message ${JSON.stringify(key)} in ${entry.locale}`, { cause }),
      );
      return entry.message.source;
    }
  };

  const intl = (): IntlShape => {
    const locale = currentState().locale;
    const timeZone = currentTimeZone();
    const key = `${locale}\u0000${timeZone}`;
    let shape = intls.get(key);
    if (!shape) {
      shape = createIntl(
        {
          locale,
          timeZone,
          defaultLocale,
          onError: (error) => onError(new I18nError('ERR_FORMAT', error.message, { cause: error })),
        },
        intlCache,
      );
      intls.set(key, shape);
    }
    return shape;
  };

  const i18n: I18n = {
    locales,
    defaultLocale,
    t: translate,
    pgettext: (context: string, id: string, values?: MessageValues) =>
      translate(`${context}${CONTEXT_SEPARATOR}${id}`, values, id),
    lazy: (id: string, values?: MessageValues) => new LazyMessage(id, () => translate(id, values)),
    has: (id, locale) => tableOf(locale === undefined ? currentState() : stateOf(supported(locale))).has(id),
    withLocale: (locale, fn, activateOptions) => {
      checkOptionKeys('withLocale', activateOptions, ACTIVATE_KEYS);
      return storage.run({ state: stateOf(supported(locale)), timeZone: zone(activateOptions?.timeZone) }, fn);
    },
    activate: (locale, activateOptions) => {
      checkOptionKeys('activate', activateOptions, ACTIVATE_KEYS);
      const state = stateOf(supported(locale));
      const timeZone = zone(activateOptions?.timeZone);
      const scope = storage.getStore();
      if (scope) {
        scope.state = state;
        scope.timeZone = timeZone;
      } else storage.enterWith({ state, timeZone });
    },
    deactivate: () => {
      const scope = storage.getStore();
      if (scope) {
        scope.state = defaultState;
        scope.timeZone = resolved.timeZone;
      }
    },
    getLocale: () => currentState().locale,
    getTimeZone: currentTimeZone,
    resolveLocale: (tag) => (typeof tag === 'string' ? byLowercase.get(tag.toLowerCase()) : undefined),
    fallbackChain: (locale) => stateOf(supported(locale)).chain,
    load: (locale) => registry.load(stateOf(supported(locale)).chain),
    isLoaded: (locale) => registry.isLoaded(stateOf(supported(locale)).chain),
    intl,
    ...localizerFor(intl),
  };
  return i18n as unknown as I18n<MessageIdOf<Messages[Default]>>;
}
