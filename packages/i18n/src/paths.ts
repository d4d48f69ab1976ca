import type { OptionKeys } from '@adv/types';
import { describe, I18nError } from './errors.js';
import { firstSegment } from './http-util.js';
import type { I18n } from './i18n.js';
import { i18nOptions } from './options.js';

const LOCALIZE_PATH_KEYS: OptionKeys<LocalizePathOptions> = { prefixDefaultLocale: true };

/** Options of {@link localizePath}. */
export interface LocalizePathOptions {
  /**
   * Whether the default locale gets a prefix too (Django's `prefix_default_language`).
   * @defaultValue `true`
   */
  prefixDefaultLocale?: boolean | undefined;
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
  const { prefixDefaultLocale } = i18nOptions('localizePath', options, LOCALIZE_PATH_KEYS, {
    prefixDefaultLocale: true,
  });
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
  const prefix = prefixDefaultLocale === false && target === i18n.defaultLocale ? '' : `/${target.toLowerCase()}`;
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

type FixedInfo = Omit<LanguageInfo, 'nameTranslated'>;

/** What does not depend on the active locale, by code: `Intl.DisplayNames` are costly to build. */
const fixedInfo = new Map<string, FixedInfo>();
const MAX_FIXED_INFO = 500;

function fixedInfoOf(code: string): FixedInfo {
  let info = fixedInfo.get(code);
  if (info === undefined) {
    const textInfo = (new Intl.Locale(code) as Intl.Locale & { textInfo?: { direction?: string } }).textInfo;
    info = {
      code,
      name: new Intl.DisplayNames(['en'], { type: 'language' }).of(code) ?? code,
      nameLocal: new Intl.DisplayNames([code], { type: 'language' }).of(code) ?? code,
      bidi: textInfo?.direction === 'rtl',
    };
    if (fixedInfo.size < MAX_FIXED_INFO) fixedInfo.set(code, info);
  }
  return info;
}

/**
 * The {@link LanguageInfo} of every offered locale, names translated into the active one. Cheap
 * to call per request: the fixed names are computed once per locale, the translated one goes
 * through the instance's cached formatters.
 */
export function languageInfo(i18n: Pick<I18n, 'locales' | 'formatDisplayName'>): LanguageInfo[] {
  return i18n.locales.map((code) => ({
    ...fixedInfoOf(code),
    nameTranslated: i18n.formatDisplayName(code, { type: 'language' }),
  }));
}
