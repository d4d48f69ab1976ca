/**
 * Localization, on `@adv/i18n`: the catalogs (ICU JSON in `locales/`), `t`, the locale
 * middleware (URL prefix, cookie, Accept-Language, default) with the visitor's time zone, and
 * the set-language view. The demo adds only what is app-specific: the time-zone cookie and the
 * URL prefix remembered for links.
 */
import { readFileSync } from 'node:fs';
import {
  createI18n,
  localeMiddleware as i18nLocaleMiddleware,
  setLanguage as i18nSetLanguage,
  readCookie,
} from '@adv/i18n';
import type { Handler, Middleware } from '@adv/types';
import { fromRoot } from './paths.js';

/** Languages the demo ships, first is the default. */
export const LANGUAGES = [
  { code: 'en', name: 'English' },
  { code: 'pt-BR', name: 'Português (Brasil)' },
] as const;

export type Locale = (typeof LANGUAGES)[number]['code'];

/** Time zones offered in the switcher (any IANA zone is accepted from the cookie). */
export const TIME_ZONES = [
  'UTC',
  'America/Sao_Paulo',
  'America/New_York',
  'Europe/Lisbon',
  'Europe/London',
  'Asia/Tokyo',
];

export const LANGUAGE_COOKIE = 'lang';
export const TIME_ZONE_COOKIE = 'tz';

const catalogFile = (locale: string) => fromRoot('locales', `${locale}.json`);
const catalogOf = (locale: string) => JSON.parse(readFileSync(catalogFile(locale), 'utf8')) as Record<string, string>;

/** The demo's i18n instance (catalogs validated at load: a broken message fails the start). */
export const i18n = createI18n({
  locales: LANGUAGES.map((l) => l.code),
  defaultLocale: 'en',
  messages: { en: catalogOf('en'), 'pt-BR': catalogOf('pt-BR') },
  files: { en: catalogFile('en'), 'pt-BR': catalogFile('pt-BR') },
});

/** What the current request uses, visible anywhere below the middleware. */
export interface RequestLocale {
  locale: Locale;
  timeZone: string;
  /** URL prefix the request came with (`''` or `/pt-br`), kept on links and redirects. */
  prefix: string;
}

let defaultTimeZone = 'UTC';

/** Sets the time zone used when the visitor has not chosen one. */
export function setDefaultTimeZone(zone: string): void {
  defaultTimeZone = zone;
}

/** The locale, time zone and URL prefix of the current request. */
export function current(): RequestLocale {
  return { locale: i18n.getLocale() as Locale, timeZone: i18n.getTimeZone(), prefix: i18n.getPathPrefix() };
}

/** Runs `fn` with `value`'s locale and time zone active. */
export function withLocale<T>(value: Pick<RequestLocale, 'locale' | 'timeZone'>, fn: () => T): T {
  return i18n.withLocale(value.locale, fn, { timeZone: value.timeZone });
}

/** Translates `key` in the active locale, or in `locale` when given. */
export function t(key: string, values: Record<string, unknown> = {}, locale?: Locale): string {
  const run = () => i18n.t(key, values as Parameters<typeof i18n.t>[1]);
  return locale === undefined ? run() : i18n.withLocale(locale, run);
}

/** Formats a timestamp in the active locale and time zone. */
export function formatDateTime(value: string | Date): string {
  return i18n.formatDateTime(value, { dateStyle: 'medium', timeStyle: 'short' });
}

const validZones = new Map<string, boolean>();
/** Whether `zone` is an IANA time zone (memoized: building an Intl.DateTimeFormat is costly). */
const isZone = (zone: string | undefined): zone is string => {
  if (!zone || zone.length > 64) return false;
  let valid = validZones.get(zone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone: zone });
      valid = true;
    } catch {
      valid = false;
    }
    if (validZones.size < 1000) validZones.set(zone, valid);
  }
  return valid;
};

const negotiate = i18nLocaleMiddleware({
  i18n,
  cookie: LANGUAGE_COOKIE,
  stripPrefix: true,
  timeZone: (request) => {
    const zone = readCookie(request.headers.get('cookie'), TIME_ZONE_COOKIE);
    // `undefined` means the instance default (UTC): the common case skips validating a zone.
    if (zone === undefined) return defaultTimeZone === 'UTC' ? undefined : defaultTimeZone;
    return isZone(zone) ? zone : undefined;
  },
});

/**
 * `@adv/i18n`'s locale middleware: URL prefix, cookie, Accept-Language, default, with the
 * visitor's time zone. The prefix a request came with (`/pt-br`) is `i18n.getPathPrefix()`.
 */
export const localeMiddleware: Middleware = negotiate;

const chooseLanguage = i18nSetLanguage({ i18n, cookie: LANGUAGE_COOKIE });

/** `@adv/i18n`'s set-language view, plus the time-zone cookie from the same form. */
export const setLanguage: Handler = async function setLanguage(request) {
  let form: FormData;
  try {
    form = await request.clone().formData();
  } catch {
    // JSON, plain text, a missing or lying Content-Type: the form was not sent by our page.
    return new Response(
      'Bad Request: expected the language form (application/x-www-form-urlencoded or multipart/form-data with `language`)',
      { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' } },
    );
  }
  const response = await chooseLanguage(request);
  const zone = String(form.get('timezone') ?? '');
  if (isZone(zone)) {
    response.headers.append(
      'set-cookie',
      `${TIME_ZONE_COOKIE}=${encodeURIComponent(zone)}; Path=/; Max-Age=31536000; SameSite=Lax`,
    );
  }
  return response;
};
