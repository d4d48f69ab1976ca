/** Canonical BCP 47 form of a tag (`pt-br` -> `pt-BR`), or `undefined` when it is not one. */
export function canonicalLocale(tag: string): string | undefined {
  try {
    return Intl.getCanonicalLocales(tag)[0];
  } catch {
    return undefined;
  }
}

/** The tag's less specific forms, most specific first: `zh-Hant-TW` -> `zh-Hant`, `zh`. */
export function parentLocales(tag: string): string[] {
  const parts = tag.split('-');
  const parents: string[] = [];
  for (let i = parts.length - 1; i > 0; i--) parents.push(parts.slice(0, i).join('-'));
  return parents;
}

/**
 * The fallback chain of `locale`: itself, the explicit `fallback[locale]` entries, its parent
 * languages (pt-BR -> pt), then the default locale; only locales in `known` are kept, once each.
 */
export function fallbackChain(
  locale: string,
  defaultLocale: string,
  known: ReadonlySet<string>,
  fallback: Readonly<Record<string, readonly string[]>> = {},
): string[] {
  const chain: string[] = [];
  const add = (candidate: string) => {
    if (known.has(candidate) && !chain.includes(candidate)) chain.push(candidate);
  };
  add(locale);
  for (const candidate of fallback[locale] ?? []) add(candidate);
  for (const parent of parentLocales(locale)) add(parent);
  add(defaultLocale);
  return chain;
}

const knownZones = new Map<string, boolean>();
const KNOWN_ZONES_LIMIT = 1000;

/**
 * Whether `timeZone` is an IANA time zone this runtime knows (`Europe/Lisbon`, `UTC`).
 * Memoized (bounded): building an `Intl.DateTimeFormat` to find out is costly, and the
 * middleware asks on every request that carries a zone.
 */
export function isValidTimeZone(timeZone: unknown): timeZone is string {
  if (typeof timeZone !== 'string' || timeZone.length === 0 || timeZone.length > 64) return false;
  let valid = knownZones.get(timeZone);
  if (valid === undefined) {
    try {
      new Intl.DateTimeFormat('en', { timeZone });
      valid = true;
    } catch {
      valid = false;
    }
    if (knownZones.size < KNOWN_ZONES_LIMIT) knownZones.set(timeZone, valid);
  }
  return valid;
}
