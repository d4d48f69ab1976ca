/**
 * The keys of a page and the Vary bookkeeping of `cachePage`: which headers a response varies
 * on, the digest of a request's values of them (its variant), the key of a URL's entry and of a
 * variant, and the keys a middleware built for the request before.
 */
import { createHash } from 'node:crypto';

/**
 * The header names a response varies on, with `varyOn`: lower-case, sorted, without duplicates
 * (`*` kept: such a response is never stored).
 */
export function varyNames(response: Response, varyOn: readonly string[]): string[] {
  const fromResponse = (response.headers.get('vary') ?? '').split(',').map((name) => name.trim().toLowerCase());
  return [...new Set([...fromResponse, ...varyOn.map((name) => name.toLowerCase())])].filter(Boolean).sort();
}

/**
 * The digests of the vary inputs a middleware hashed last: a hit does not hash the same header
 * values again. Only inputs up to `MAX_INPUT` characters are kept, at most `MAX_ENTRIES` (then
 * it starts over).
 */
export class VaryDigests {
  static readonly MAX_INPUT = 512;
  static readonly MAX_ENTRIES = 1000;
  readonly #digests = new Map<string, string>();

  /** The first 32 hex digits of the SHA-256 of `input`. */
  digest(input: string): string {
    const known = this.#digests.get(input);
    if (known !== undefined) return known;
    const digest = createHash('sha256').update(input).digest('hex').slice(0, 32);
    if (input.length <= VaryDigests.MAX_INPUT) {
      if (this.#digests.size >= VaryDigests.MAX_ENTRIES) this.#digests.clear();
      this.#digests.set(input, digest);
    }
    return digest;
  }

  /** How many digests are kept (for tests). */
  get size(): number {
    return this.#digests.size;
  }
}

/**
 * The variant of `request` among a URL's pages: the digest of the values of the Vary headers
 * `names` and of the key parts (`partsText`, their JSON; `null` without `keyParts`).
 */
export function variantOf(
  request: Request,
  names: readonly string[],
  partsText: string | null,
  digests: VaryDigests,
): string {
  let input = '';
  for (const name of names) input += `${name}=${request.headers.get(name) ?? ''}\n`;
  // JSON keeps ['a,b'] and ['a', 'b'] apart; without keyParts, inputs are as before.
  if (partsText !== null) input += `\0parts=${partsText}`;
  return digests.digest(input);
}

/** The key of one variant of a page: method, URL and {@link variantOf} (the key pages had before). */
export function variantKey(prefix: string, method: string, url: string, variant: string): string {
  return `${prefix}:page:${method}:${url}:${variant}`;
}

/**
 * The key of a URL's entry (Django's cache header key, with the language and time zone suffix
 * played by the key parts): the Vary names the URL's pages were stored under last, and that
 * page itself. The URL comes last, after segments of fixed form, so no URL can fake another key.
 */
export function headKey(
  prefix: string,
  method: string,
  url: string,
  partsText: string | null,
  digests: VaryDigests,
): string {
  return `${prefix}:head:${method}:${partsText === null ? '-' : digests.digest(partsText)}:${url}`;
}

/** A variant of a page: the Vary names and the digest of their values (and key parts). */
export interface Variant {
  names: readonly string[];
  variant: string;
}

/**
 * The key parts' JSON, the URL entry's key and the variant without Vary names that a
 * middleware built last: a hot page asked for over and over (the same URL, language and time
 * zone) gets the very strings of the request before, compared instead of built (#18). Each is
 * built anew as soon as one input differs.
 */
export class LastKeys {
  #parts: readonly string[] = [];
  #partsText = '';
  #method = '';
  #url = '';
  #keyParts: string | null = null;
  #headKey: string | undefined;
  #variantParts: string | null = null;
  #variant: string | undefined;

  constructor(
    readonly prefix: string,
    readonly digests: VaryDigests,
  ) {}

  /** `JSON.stringify(parts)`: the same string as last time when the parts are equal. */
  partsText(parts: readonly string[]): string {
    const known = this.#parts;
    if (parts.length === known.length && this.#partsText !== '') {
      let same = true;
      for (let i = 0; i < parts.length; i++) if (parts[i] !== known[i]) same = false;
      if (same) return this.#partsText;
    }
    this.#parts = [...parts];
    this.#partsText = JSON.stringify(parts);
    return this.#partsText;
  }

  /** {@link headKey} of this middleware. */
  headKey(method: string, url: string, partsText: string | null): string {
    if (this.#headKey !== undefined && url === this.#url && method === this.#method && partsText === this.#keyParts)
      return this.#headKey;
    this.#headKey = headKey(this.prefix, method, url, partsText, this.digests);
    this.#method = method;
    this.#url = url;
    this.#keyParts = partsText;
    return this.#headKey;
  }

  /** {@link variantOf} of this middleware. */
  variantOf(request: Request, names: readonly string[], partsText: string | null): string {
    if (names.length > 0) return variantOf(request, names, partsText, this.digests);
    if (this.#variant !== undefined && partsText === this.#variantParts) return this.#variant;
    this.#variant = variantOf(request, names, partsText, this.digests);
    this.#variantParts = partsText;
    return this.#variant;
  }
}

/** Whether two lists of Vary names are the same, in order. */
export function sameNames(a: readonly string[], b: readonly string[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
