import { describe, I18nError } from './errors.js';
import { firstSegment } from './http-util.js';
import type { I18n } from './i18n.js';

/** Options of {@link localizePath}. */
export interface LocalizePathOptions {
  /**
   * Whether the default locale gets a prefix too (Django's `prefix_default_language`).
   * @defaultValue `true`
   */
  prefixDefaultLocale?: boolean;
}

/**
 * The path of the same page in another locale, for links and language switchers: replaces a
 * locale prefix (`/en/cart` -> `/pt-br/cart`) or adds one (`/cart` -> `/pt-br/cart`). Prefixes
 * are lower-case, as `localeMiddleware` reads them in any case. Query and hash are kept.
 *
 * @example localizePath(i18n, '/en/cart?x=1', 'pt-BR') // "/pt-br/cart?x=1"
 */
export function localizePath(
  i18n: Pick<I18n, 'resolveLocale' | 'defaultLocale'>,
  path: string,
  locale: string,
  options: LocalizePathOptions = {},
): string {
  const target = i18n.resolveLocale(locale);
  if (target === undefined) {
    throw new I18nError('ERR_UNKNOWN_LOCALE', `Expected \`locale\` to be a supported locale, got ${describe(locale)}`);
  }
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new I18nError('ERR_INVALID_OPTION', `Expected \`path\` to start with \`/\`, got ${describe(path)}`);
  }
  const split = path.search(/[?#]/);
  const pathname = split === -1 ? path : path.slice(0, split);
  const rest = split === -1 ? '' : path.slice(split);
  const segment = firstSegment(pathname);
  const bare =
    segment !== undefined && i18n.resolveLocale(segment) !== undefined ? pathname.slice(segment.length + 1) : pathname;
  const prefix =
    options.prefixDefaultLocale === false && target === i18n.defaultLocale ? '' : `/${target.toLowerCase()}`;
  return `${prefix}${bare || (prefix ? '' : '/')}${rest}`;
}

/** What a language switcher shows about a locale (Django's `get_language_info`). */
export interface LanguageInfo {
  /** The canonical locale, `pt-BR`. */
  readonly code: string;
  /** Its name in English, `Brazilian Portuguese`. */
  readonly name: string;
  /** Its name in itself, `português (Brasil)`. */
  readonly nameLocal: string;
  /** Its name in the active locale. */
  readonly nameTranslated: string;
  /** Whether it is written right to left. */
  readonly bidi: boolean;
}

/** The {@link LanguageInfo} of every offered locale, names translated into the active one. */
export function languageInfo(i18n: Pick<I18n, 'locales' | 'formatDisplayName'>): LanguageInfo[] {
  return i18n.locales.map((code) => {
    const textInfo = (new Intl.Locale(code) as Intl.Locale & { textInfo?: { direction?: string } }).textInfo;
    return {
      code,
      name: new Intl.DisplayNames(['en'], { type: 'language' }).of(code) ?? code,
      nameLocal: new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code,
      nameTranslated: i18n.formatDisplayName(code, { type: 'language' }),
      bidi: textInfo?.direction === 'rtl',
    };
  });
}
