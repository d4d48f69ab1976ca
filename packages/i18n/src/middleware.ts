import type { Middleware, OptionKeys } from '@adv/types';
import { describe, I18nError } from './errors.js';
import { appendVary, firstSegment, readCookie, withHeaders } from './http-util.js';
import type { I18n } from './i18n.js';
import { RUN_SCOPED, type RunScoped } from './locale-scope.js';
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
  const varyValue = vary.join(', ');
  // The instance's own scope runner when it has one (see RUN_SCOPED); else the public withLocale.
  const runScoped = (i18n as { [RUN_SCOPED]?: RunScoped })[RUN_SCOPED];

  const finish = (response: Response, final: string): Response =>
    withHeaders(response, (headers) => {
      if (!headers.has('Content-Language')) headers.set('Content-Language', final);
      // Most responses have no Vary yet: set it whole instead of merging.
      if (headers.has('Vary')) appendVary(headers, vary);
      else headers.set('Vary', varyValue);
    });

  // A plain function: when the locale is loaded (every request after the first per locale) it
  // adds one then() to next's promise instead of an async function's own promise and awaits,
  // each of which runs the AsyncLocalStorage promise hooks.
  return function localeMiddleware(request, next) {
    let locale: string | undefined;
    let forward = request;
    let prefix = '';
    if (o.prefix) {
      // The path read from the URL string: parsing a URL costs more than the rest of this block.
      const href = request.url;
      const path = rawPath(href);
      const segment = firstSegment(path);
      locale = segment === undefined ? undefined : i18n.resolveLocale(segment);
      if (locale !== undefined) prefix = `/${segment!.toLowerCase()}`;
      if (locale !== undefined && o.stripPrefix) {
        // `href` is serialised: cut `/<segment>` out of it where the path starts, keeping `/`.
        const start = href.indexOf('/', href.indexOf('//') + 2);
        const rest = path.slice(segment!.length + 1);
        const url = `${href.slice(0, start)}${rest.length > 0 ? rest : '/'}${href.slice(start + path.length)}`;
        forward = new Request(url, request);
      }
    }
    if (locale === undefined && o.cookie !== false) {
      const value = readCookie(request.headers.get('cookie'), o.cookie);
      if (value !== undefined) locale = i18n.resolveLocale(value);
    }
    if (locale === undefined && o.acceptLanguage) locale = negotiate(request.headers.get('accept-language'));
    const chosen = locale ?? i18n.defaultLocale;
    const zone = o.timeZone?.(request);
    const timeZone = zone !== undefined && isValidTimeZone(zone) ? zone : undefined;
    const run = (): Promise<Response> => {
      // The handler may `activate()` another locale (a user's preference): report the final one.
      if (runScoped !== undefined) {
        let scoped: ReturnType<typeof runScoped<Request, Response | Promise<Response>>>;
        try {
          scoped = runScoped(chosen, timeZone, next, forward, prefix);
        } catch (error) {
          return Promise.reject(error);
        }
        return Promise.resolve(scoped.result).then((response) => finish(response, scoped.scope.state.locale));
      }
      return i18n
        .withLocale(
          chosen,
          async () => [await next(forward), i18n.getLocale()] as const,
          timeZone ? { timeZone } : undefined,
        )
        .then(([response, final]) => finish(response, final));
    };
    if (!i18n.isLoaded(chosen)) return i18n.load(chosen).then(run);
    return run();
  };
}

/**
 * The path of a serialised URL (`request.url`), as `new URL(href).pathname` gives it: a
 * serialised URL is `scheme://authority` + path + `?query` + `#fragment`, already normalised.
 * Unlike @adv/types' `pathnameOf(request)` (which parses and caches per Request), this only slices a string.
 */
export function rawPath(href: string): string {
  const authority = href.indexOf('//');
  const start = authority === -1 ? -1 : href.indexOf('/', authority + 2);
  if (start === -1) return '/';
  let end = href.length;
  const query = href.indexOf('?', start);
  if (query !== -1) end = query;
  const fragment = href.indexOf('#', start);
  if (fragment !== -1 && fragment < end) end = fragment;
  return href.slice(start, end);
}
