import { type OptionKeys, optionReaders, silentLogger, unknownOptionMessage } from '@adv/types';
import type { Catalog } from './catalog.js';
import { describe, I18nError } from './errors.js';
import { canonicalLocale, isValidTimeZone } from './locale-tags.js';
import type { I18nOptions } from './types.js';

/**
 * `i18nOptions(name, options, keys, defaults)` reads the options object of a public function the
 * one adv way (`resolveOptions` of `@adv/types`), throwing `I18nError` `ERR_INVALID_OPTION`; call
 * it once, in the factory. `checkOptionKeys(name, options, keys)` is its shape check without a
 * copy, for bags passed per call (`withLocale(locale, fn, { timeZone })`).
 */
export const { read: i18nOptions, checkKeys: checkOptionKeys } = optionReaders(I18nError);

const I18N_KEYS: OptionKeys<I18nOptions> = {
  locales: true,
  defaultLocale: true,
  messages: true,
  loadMessages: true,
  fallback: true,
  timeZone: true,
  onMissing: true,
  onError: true,
  strict: true,
  files: true,
  logger: true,
};

/** Time zone used when neither the options nor the scope name one. */
export const DEFAULT_TIME_ZONE = 'UTC';

/** Options after validation and canonicalization. */
export interface ResolvedOptions {
  locales: readonly string[];
  defaultLocale: string;
  messages: Record<string, unknown>;
  loadMessages: ((locale: string) => Catalog | Promise<Catalog>) | undefined;
  fallback: Record<string, readonly string[]>;
  timeZone: string;
  strict: boolean;
  files: Record<string, string>;
  logger: NonNullable<I18nOptions['logger']>;
}

/** Validates and canonicalizes the options of `createI18n`; throws {@link I18nError} on bad ones. */
export function resolveOptions(options: I18nOptions): ResolvedOptions {
  if (typeof options !== 'object' || options === null) {
    throw new I18nError('ERR_INVALID_OPTION', `Expected \`options\` to be an object, got ${describe(options)}`);
  }
  for (const key of Object.keys(options)) {
    if (!Object.hasOwn(I18N_KEYS, key))
      throw new I18nError('ERR_INVALID_OPTION', unknownOptionMessage('createI18n', key, Object.keys(I18N_KEYS)));
  }
  // Checked in this order, so the first bad option is the one reported.
  const { locales, defaultLocale } = resolveLocales(options);
  const messages = resolveMessages(options, defaultLocale);
  const fallback = resolveFallback(options.fallback);
  const timeZone = options.timeZone ?? DEFAULT_TIME_ZONE;
  if (!isValidTimeZone(timeZone)) {
    throw new I18nError(
      'ERR_INVALID_OPTION',
      `Expected \`timeZone\` to be an IANA time zone, got ${describe(timeZone)}`,
    );
  }
  const files: Record<string, string> = {};
  for (const [locale, file] of Object.entries(options.files ?? {})) files[canonicalLocale(locale) ?? locale] = file;
  return {
    locales,
    defaultLocale,
    messages,
    loadMessages: options.loadMessages,
    fallback,
    timeZone,
    strict: options.strict === true,
    files,
    logger: options.logger ?? silentLogger,
  };
}

/** The canonical form of a locale tag option (`pt-br` -> `pt-BR`); throws naming the option. */
function localeTag(name: string, value: unknown): string {
  const canonical = typeof value === 'string' ? canonicalLocale(value) : undefined;
  if (!canonical) {
    throw new I18nError('ERR_INVALID_OPTION', `Expected \`${name}\` to be a BCP 47 locale tag, got ${describe(value)}`);
  }
  return canonical;
}

/** `locales` (canonical, deduplicated, non-empty) and `defaultLocale` (one of them). */
function resolveLocales(options: I18nOptions): { locales: string[]; defaultLocale: string } {
  if (!Array.isArray(options.locales) || options.locales.length === 0) {
    throw new I18nError(
      'ERR_INVALID_OPTION',
      `Expected \`locales\` to be a non-empty array of locale tags, got ${describe(options.locales)}`,
    );
  }
  const locales = [...new Set(options.locales.map((locale) => localeTag('locales[]', locale)))];
  const defaultLocale = localeTag('defaultLocale', options.defaultLocale);
  if (!locales.includes(defaultLocale)) {
    throw new I18nError(
      'ERR_INVALID_OPTION',
      `Expected \`defaultLocale\` to be one of \`locales\` (${locales.join(', ')}), got ${describe(options.defaultLocale)}`,
    );
  }
  return { locales, defaultLocale };
}

/**
 * `messages` by canonical locale, after checking `loadMessages`: the default locale needs a
 * catalog in `messages` or a `loadMessages` to load it.
 */
function resolveMessages(options: I18nOptions, defaultLocale: string): Record<string, unknown> {
  const messages: Record<string, unknown> = {};
  if (options.messages !== undefined) {
    if (typeof options.messages !== 'object' || options.messages === null) {
      throw new I18nError(
        'ERR_INVALID_OPTION',
        `Expected \`messages\` to be an object of catalogs by locale, got ${describe(options.messages)}`,
      );
    }
    for (const [locale, catalog] of Object.entries(options.messages))
      messages[localeTag('messages key', locale)] = catalog;
  }
  if (options.loadMessages !== undefined && typeof options.loadMessages !== 'function') {
    throw new I18nError(
      'ERR_INVALID_OPTION',
      `Expected \`loadMessages\` to be a function, got ${describe(options.loadMessages)}`,
    );
  }
  if (!(defaultLocale in messages) && options.loadMessages === undefined) {
    throw new I18nError(
      'ERR_INVALID_OPTION',
      `Expected \`messages\` to have a catalog for the default locale \`${defaultLocale}\`, or a \`loadMessages\` function`,
    );
  }
  return messages;
}

/** `fallback` with canonical locales as keys and entries. */
function resolveFallback(given: I18nOptions['fallback']): Record<string, string[]> {
  const fallback: Record<string, string[]> = {};
  for (const [locale, list] of Object.entries(given ?? {})) {
    if (!Array.isArray(list)) {
      throw new I18nError(
        'ERR_INVALID_OPTION',
        `Expected \`fallback.${locale}\` to be an array, got ${describe(list)}`,
      );
    }
    fallback[localeTag('fallback key', locale)] = list.map((entry) => localeTag(`fallback.${locale}[]`, entry));
  }
  return fallback;
}
