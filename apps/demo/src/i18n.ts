/**
 * Localization glue. PHASE-1 GLUE: until `@adv/i18n` lands this file does, minimally, what that
 * package is for (catalogs, `t`, negotiation, per-request locale and time zone), on
 * intl-messageformat (the ICU engine of formatjs). Replaced by `@adv/i18n` when it is available.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { readFileSync } from 'node:fs';
import type { Handler, Middleware } from '@adv/types';
import { IntlMessageFormat } from 'intl-messageformat';
import { fromRoot } from './paths.js';

/** Languages the demo ships, first is the default. */
export const LANGUAGES = [
  { code: 'en', prefix: '', name: 'English' },
  { code: 'pt-BR', prefix: '/pt-br', name: 'Português (Brasil)' },
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

export const LANGUAGE_COOKIE = 'django_language';
export const TIME_ZONE_COOKIE = 'tz';

/** What the current request uses, visible anywhere below the middleware. */
export interface RequestLocale {
  locale: Locale;
  timeZone: string;
  /** URL prefix of the locale (`''` or `/pt-br`), for links. */
  prefix: string;
}

const storage = new AsyncLocalStorage<RequestLocale>();
const catalogs = new Map<Locale, Record<string, string>>();
const compiled = new Map<string, IntlMessageFormat>();
let defaultTimeZone = 'UTC';

function catalog(locale: Locale): Record<string, string> {
  let messages = catalogs.get(locale);
  if (!messages) {
    messages = JSON.parse(readFileSync(fromRoot('locales', `${locale}.json`), 'utf8')) as Record<string, string>;
    catalogs.set(locale, messages);
  }
  return messages;
}

/** Sets the time zone used when the visitor has not chosen one. */
export function setDefaultTimeZone(zone: string): void {
  defaultTimeZone = zone;
}

/** The locale of the current request (the default outside a request). */
export function current(): RequestLocale {
  return storage.getStore() ?? { locale: 'en', timeZone: defaultTimeZone, prefix: '' };
}

/** Runs `fn` with `value` as the current locale. */
export function withLocale<T>(value: RequestLocale, fn: () => T): T {
  return storage.run(value, fn);
}

/** Translates `key` with ICU `values` in the current locale; falls back to English, then to the key. */
export function t(key: string, values: Record<string, unknown> = {}, locale: Locale = current().locale): string {
  const source = catalog(locale)[key] ?? catalog('en')[key];
  if (source === undefined) return key;
  const cacheKey = `${locale}\u0000${current().timeZone}\u0000${key}`;
  let format = compiled.get(cacheKey);
  if (!format) {
    const timeZone = current().timeZone;
    format = new IntlMessageFormat(source, locale, {
      // Merged into intl-messageformat's default `medium`/`short` formats: only the zone changes.
      date: { medium: { timeZone } },
      time: { short: { timeZone } },
    });
    compiled.set(cacheKey, format);
  }
  return String(format.format(values as Record<string, string | number | Date>));
}

/** Formats an ISO timestamp in the current locale and time zone. */
export function formatDateTime(iso: string | Date): string {
  const { locale, timeZone } = current();
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short', timeZone }).format(new Date(iso));
}

function isZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function cookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const [k, ...v] = part.trim().split('=');
    if (k === name) return decodeURIComponent(v.join('='));
  }
  return undefined;
}

function fromAcceptLanguage(header: string | null): Locale | undefined {
  for (const item of (header ?? '').split(',')) {
    const tag = item.split(';')[0]?.trim().toLowerCase();
    if (!tag) continue;
    const match = LANGUAGES.find(
      (l) => l.code.toLowerCase() === tag || l.code.toLowerCase().split('-')[0] === tag.split('-')[0],
    );
    if (match) return match.code;
  }
  return undefined;
}

/** Django's LocaleMiddleware order: URL prefix, cookie, Accept-Language, default. Strips the prefix. */
export const localeMiddleware: Middleware = async function localeMiddleware(request, next) {
  const url = new URL(request.url);
  let language = LANGUAGES.find(
    (l) => l.prefix && (url.pathname === l.prefix || url.pathname.startsWith(`${l.prefix}/`)),
  );
  if (language) {
    url.pathname = url.pathname.slice(language.prefix.length) || '/';
    request = new Request(url, request);
  } else {
    const wanted = cookie(request, LANGUAGE_COOKIE) ?? fromAcceptLanguage(request.headers.get('accept-language'));
    language = LANGUAGES.find((l) => l.code === wanted) ?? LANGUAGES[0];
  }
  const zone = cookie(request, TIME_ZONE_COOKIE);
  const timeZone = zone && isZone(zone) ? zone : defaultTimeZone;
  const response = await storage.run({ locale: language.code, timeZone, prefix: language.prefix }, () => next(request));
  response.headers.set('content-language', language.code);
  response.headers.append('vary', 'accept-language, cookie');
  return response;
};

/** POST handler: stores language (and time zone) cookies and redirects to `next` in that language. */
export const setLanguage: Handler = async function setLanguage(request) {
  const form = await request.formData();
  const language = LANGUAGES.find((l) => l.code === form.get('language')) ?? LANGUAGES[0];
  let next = String(form.get('next') ?? '/');
  if (!next.startsWith('/') || next.startsWith('//')) next = '/';
  const headers = new Headers({ location: `${language.prefix}${next}` || '/' });
  headers.append('set-cookie', `${LANGUAGE_COOKIE}=${language.code}; Path=/; Max-Age=31536000; SameSite=Lax`);
  const zone = String(form.get('timezone') ?? '');
  if (zone && isZone(zone)) {
    headers.append(
      'set-cookie',
      `${TIME_ZONE_COOKIE}=${encodeURIComponent(zone)}; Path=/; Max-Age=31536000; SameSite=Lax`,
    );
  }
  return new Response(null, { status: 303, headers });
};
