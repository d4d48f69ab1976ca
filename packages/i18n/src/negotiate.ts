import { parentLocales } from './locale-tags.js';

/** One entry of an `Accept-Language` header. */
export interface LanguageRange {
  /** The language tag as sent (`pt-BR`), or `*`. */
  readonly tag: string;
  /** Its quality, 0.001 to 1. */
  readonly q: number;
}

/** Only this many characters of an `Accept-Language` header are read (browsers send < 100). */
export const MAX_ACCEPT_LANGUAGE_LENGTH = 1024;
/** Only this many entries of an `Accept-Language` header are considered. */
export const MAX_LANGUAGE_RANGES = 32;

const TAG = /^(?:\*|[A-Za-z]{1,8}(?:-[A-Za-z0-9]{1,8})*)$/;
const QUALITY = /^q\s*=\s*(0(?:\.\d{0,3})?|1(?:\.0{0,3})?)$/i;

/**
 * Parses `Accept-Language` (RFC 9110 §12.5.4) defensively: it reads at most
 * {@link MAX_ACCEPT_LANGUAGE_LENGTH} characters and {@link MAX_LANGUAGE_RANGES} entries, drops
 * entries whose tag or q-value is malformed and those with `q=0`, and sorts the rest by quality
 * (stable, so equal qualities keep the sender's order). Hand-written: the negotiation packages
 * (negotiator, @formatjs/intl-localematcher) either lack these bounds or Django's region fallback.
 *
 * @example parseAcceptLanguage('pt-BR,pt;q=0.9,en;q=0.8') // [{tag:'pt-BR',q:1},{tag:'pt',q:0.9},{tag:'en',q:0.8}]
 */
export function parseAcceptLanguage(header: string | null | undefined): LanguageRange[] {
  if (typeof header !== 'string' || header.length === 0) return [];
  let text = header;
  if (text.length > MAX_ACCEPT_LANGUAGE_LENGTH) {
    // The entry cut in two is dropped: `pt;q=0.1` must not be read as `pt`.
    text = text.slice(0, MAX_ACCEPT_LANGUAGE_LENGTH);
    text = text.slice(0, Math.max(0, text.lastIndexOf(',')));
  }
  const parts = text.split(',', MAX_LANGUAGE_RANGES);
  const ranges: LanguageRange[] = [];
  for (const part of parts) {
    const semicolon = part.indexOf(';');
    const tag = (semicolon === -1 ? part : part.slice(0, semicolon)).trim();
    if (!TAG.test(tag)) continue;
    const q = semicolon === -1 ? 1 : quality(part.slice(semicolon + 1));
    if (q > 0) ranges.push({ tag, q });
  }
  // Array#sort is stable: equal qualities keep the sender's order.
  if (ranges.length > 1) ranges.sort((a, b) => b.q - a.q);
  return ranges;
}

/** The q-value of an entry's parameters: 1 without one, 0 (dropped) when malformed. */
function quality(params: string): number {
  if (params.indexOf(';') === -1) {
    const match = QUALITY.exec(params.trim());
    if (match) return Number(match[1]);
  }
  let q = 1;
  for (const param of params.split(';')) {
    const trimmed = param.trim();
    if (!/^q\s*=/i.test(trimmed)) continue;
    const match = QUALITY.exec(trimmed);
    if (!match) return 0;
    q = Number(match[1]);
  }
  return q;
}

/**
 * Picks the supported locale for a list of wanted tags, Django's way: the exact tag (any case),
 * then its parents (`pt-PT` -> `pt`), then any supported variant of its language (`pt-PT` ->
 * `pt-BR`). `*` is skipped: it leaves the choice to the next step (the default locale).
 */
export function matchLocale(wanted: readonly LanguageRange[], locales: readonly string[]): string | undefined {
  return matchLowercase(wanted, new Map(locales.map((locale) => [locale.toLowerCase(), locale])));
}

function matchLowercase(
  wanted: readonly LanguageRange[],
  byLowercase: ReadonlyMap<string, string>,
  tagCache?: Map<string, string | null>,
): string | undefined {
  for (const { tag } of wanted) {
    if (tag === '*') continue;
    let found = tagCache?.get(tag);
    if (found === undefined) {
      found = matchTag(tag.toLowerCase(), byLowercase) ?? null;
      if (tagCache) {
        if (tagCache.size >= TAG_CACHE_SIZE) tagCache.clear();
        tagCache.set(tag, found);
      }
    }
    if (found !== null) return found;
  }
  return undefined;
}

function matchTag(lower: string, byLowercase: ReadonlyMap<string, string>): string | undefined {
  const exact = byLowercase.get(lower);
  if (exact) return exact;
  for (const parent of parentLocales(lower)) {
    const found = byLowercase.get(parent);
    if (found) return found;
  }
  const language = `${lower.split('-')[0]}-`;
  for (const [candidate, locale] of byLowercase) if (candidate.startsWith(language)) return locale;
  return undefined;
}

const CACHEABLE_LENGTH = 256;
/** Distinct language tags whose match is remembered (tags repeat far more than whole headers). */
const TAG_CACHE_SIZE = 1000;
const CACHE_SIZE = 500;

/**
 * A negotiator for a fixed set of locales: `Accept-Language` in, supported locale (or
 * `undefined`) out. Results for common (short) headers are kept in a small bounded cache, since
 * a site sees few distinct headers; long, hostile ones are parsed each time and never cached.
 */
export function createNegotiator(
  locales: readonly string[],
): (header: string | null | undefined) => string | undefined {
  const cache = new Map<string, string | undefined>();
  const byLowercase = new Map(locales.map((locale) => [locale.toLowerCase(), locale]));
  const tagCache = new Map<string, string | null>();
  return function negotiate(header) {
    if (typeof header !== 'string' || header.length === 0) return undefined;
    if (header.length <= CACHEABLE_LENGTH && cache.has(header)) return cache.get(header);
    const locale = matchLowercase(parseAcceptLanguage(header), byLowercase, tagCache);
    if (header.length <= CACHEABLE_LENGTH) {
      if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value as string);
      cache.set(header, locale);
    }
    return locale;
  };
}
