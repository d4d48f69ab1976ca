import type { Middleware, OptionKeys } from '@adv/types';
import { describe, I18nError } from './errors.js';
import { appendVary, firstSegment, readCookie, withHeaders } from './http-util.js';
import type { I18n } from './i18n.js';
import { isValidTimeZone } from './locale-tags.js';
import { createNegotiator } from './negotiate.js';
import { i18nOptions } from './options.js';

/** The part of an i18n instance the middleware and `setLanguage` use. */
export type LocaleSource = Pick<
  I18n,
  'locales' | 'defaultLocale' | 'resolveLocale' | 'withLocale' | 'getLocale' | 'load' | 'isLoaded'
>;

/** Options of {@link localeMiddleware}. */
export interface LocaleMiddlewareOptions {
  /** The i18n instance whose locales are negotiated and activated. */
  i18n: LocaleSource;
  /**
   * Read the locale from the first path segment (`/pt-br/...`, any case), like Django's `i18n_patterns`.
   * @defaultValue `true`
   */
  prefix?: boolean | undefined;
  /**
   * Pass the request on with the locale prefix removed (`/pt-br/about` -> `/about`), for routers that do not know about it.
   * @defaultValue `false`
   */
  stripPrefix?: boolean | undefined;
  /**
   * Cookie that holds the chosen locale (what `setLanguage` writes), or `false` to ignore cookies.
   * @defaultValue `'lang'`
   */
  cookie?: string | false | undefined;
  /**
   * Use `Accept-Language` when neither prefix nor cookie decide.
   * @defaultValue `true`
   */
  acceptLanguage?: boolean | undefined;
  /**
   * The request's time zone (e.g. from a `tz` cookie); invalid or `undefined` results use the instance default.
   * @example (request) => readCookie(request.headers.get('cookie'), 'tz')
   */
  timeZone?: (request: Request) => string | undefined;
}

/** Defaults of {@link LocaleMiddlewareOptions}. */
export const LOCALE_MIDDLEWARE_DEFAULTS = {
  prefix: true,
  stripPrefix: false,
  cookie: 'lang',
  acceptLanguage: true,
} as const satisfies Omit<LocaleMiddlewareOptions, 'i18n' | 'timeZone'>;

const LOCALE_MIDDLEWARE_KEYS: OptionKeys<LocaleMiddlewareOptions> = {
  i18n: true,
  prefix: true,
  stripPrefix: true,
  cookie: true,
  acceptLanguage: true,
  timeZone: true,
};

/**
 * Django's `LocaleMiddleware` for Fetch apps: picks the locale from the URL prefix, then the
 * cookie, then `Accept-Language` (q-values, region fallback), then the default; runs the rest of
 * the chain with it active (`i18n.t` and the formatters see it), and sets `Content-Language`
 * and `Vary: Accept-Language, Cookie` on the response.
 *
 * @example
 * ```ts
 * const app = compose(localeMiddleware({ i18n }))(handler);
 * ```
 */
export function localeMiddleware(options: LocaleMiddlewareOptions): Middleware {
  const i18n = options?.i18n;
  if (typeof i18n?.withLocale !== 'function' || typeof i18n.resolveLocale !== 'function') {
    throw new I18nError('ERR_INVALID_OPTION', `Expected \`i18n\` to be an i18n instance, got ${describe(i18n)}`);
  }
  const o = i18nOptions('localeMiddleware', options, LOCALE_MIDDLEWARE_KEYS, LOCALE_MIDDLEWARE_DEFAULTS);
  if (o.cookie !== false && (typeof o.cookie !== 'string' || o.cookie.length === 0)) {
    throw new I18nError(
      'ERR_INVALID_OPTION',
      `Expected \`cookie\` to be a cookie name or false, got ${describe(o.cookie)}`,
    );
  }
  if (o.timeZone !== undefined && typeof o.timeZone !== 'function') {
    throw new I18nError('ERR_INVALID_OPTION', `Expected \`timeZone\` to be a function, got ${describe(o.timeZone)}`);
  }
  const negotiate = createNegotiator(i18n.locales);
  const vary = o.cookie === false ? ['Accept-Language'] : ['Accept-Language', 'Cookie'];

  return async function localeMiddleware(request, next) {
    const url = new URL(request.url);
    let locale: string | undefined;
    let forward = request;
    if (o.prefix) {
      const segment = firstSegment(url.pathname);
      locale = segment === undefined ? undefined : i18n.resolveLocale(segment);
      if (locale !== undefined && o.stripPrefix) {
        url.pathname = url.pathname.slice(segment!.length + 1) || '/';
        forward = new Request(url, request);
      }
    }
    if (locale === undefined && o.cookie !== false) {
      const value = readCookie(request.headers.get('cookie'), o.cookie);
      if (value !== undefined) locale = i18n.resolveLocale(value);
    }
    if (locale === undefined && o.acceptLanguage) locale = negotiate(request.headers.get('accept-language'));
    locale ??= i18n.defaultLocale;
    const zone = o.timeZone?.(request);
    const timeZone = zone !== undefined && isValidTimeZone(zone) ? zone : undefined;
    if (!i18n.isLoaded(locale)) await i18n.load(locale);
    // The handler may `activate()` another locale (a user's preference): report the final one.
    const [response, final] = await i18n.withLocale(
      locale,
      async () => [await next(forward), i18n.getLocale()] as const,
      timeZone ? { timeZone } : undefined,
    );
    return withHeaders(response, (headers) => {
      if (!headers.has('Content-Language')) headers.set('Content-Language', final);
      appendVary(headers, vary);
    });
  };
}
