import type { Handler, OptionKeys } from '@adv/types';
import { describe, I18nError } from './errors.js';
import { firstSegment } from './http-util.js';
import type { LocaleSource } from './middleware.js';
import { i18nOptions } from './options.js';
import { localizePath } from './paths.js';

/** Options of {@link setLanguage}. */
export interface SetLanguageOptions {
  /** The i18n instance whose locales may be chosen. */
  i18n: Pick<LocaleSource, 'resolveLocale'>;
  /**
   * Cookie the chosen locale is written to (the one `localeMiddleware` reads).
   * @defaultValue `'lang'`
   */
  cookie?: string | undefined;
  /**
   * Cookie lifetime in seconds.
   * @defaultValue `31536000` (one year)
   */
  maxAge?: number | undefined;
  /**
   * Whether the cookie is `Secure`: `'auto'` sets it when the request URL is https.
   * @defaultValue `'auto'`
   */
  secure?: boolean | 'auto' | undefined;
  /**
   * Rewrite a locale prefix in the redirect target to the new locale (`/en/about` -> `/pt-br/about`).
   * @defaultValue `true`
   */
  prefix?: boolean | undefined;
  /** Other hosts an absolute `next` URL may point to (the request's own host is always allowed). */
  allowedHosts?: readonly string[] | undefined;
  /**
   * Largest request body read, in bytes; a bigger one is answered `413` without being
   * buffered (the form has two short fields; Django caps bodies with `DATA_UPLOAD_MAX_MEMORY_SIZE`).
   * @defaultValue `65536`
   */
  maxBodySize?: number | undefined;
}

/** Defaults of {@link SetLanguageOptions}. */
export const SET_LANGUAGE_DEFAULTS = {
  cookie: 'lang',
  maxAge: 365 * 24 * 60 * 60,
  secure: 'auto',
  prefix: true,
  allowedHosts: [],
  maxBodySize: 64 * 1024,
} as const satisfies Omit<SetLanguageOptions, 'i18n'>;

const SET_LANGUAGE_KEYS: OptionKeys<SetLanguageOptions> = {
  i18n: true,
  cookie: true,
  maxAge: true,
  secure: true,
  prefix: true,
  allowedHosts: true,
  maxBodySize: true,
};

const MAX_TARGET_LENGTH = 2048;

/**
 * Whether `target` is safe to redirect to from `request`: a path on this site (`/x`, not
 * `//evil` or `/\evil`), or an http(s) URL on this host or an allowed one. Like Django's
 * `url_has_allowed_host_and_scheme`, it rejects control characters and backslashes outright.
 */
export function isSafeRedirect(target: unknown, request: Request, allowedHosts: readonly string[] = []): boolean {
  if (typeof target !== 'string' || target.length === 0 || target.length > MAX_TARGET_LENGTH) return false;
  // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point.
  if (/[\u0000-\u001f\u007f\\]/.test(target) || target.trim() !== target) return false;
  const own = new URL(request.url);
  if (target.startsWith('/')) return !target.startsWith('//');
  let url: URL;
  try {
    url = new URL(target);
  } catch {
    return false;
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return false;
  if (url.protocol === 'http:' && own.protocol === 'https:') return false;
  return url.host === own.host || allowedHosts.includes(url.host);
}

/**
 * Django's `set_language` view: a `POST` with form fields `language` and `next` stores the
 * language in a cookie and redirects to `next` (or the `Referer`, or `/`) when that target is
 * safe; an unknown language only redirects. Other methods get `405`, a body over
 * `maxBodySize` gets `413`, a body that is not a form (JSON, text) `415`, a form body that does
 * not parse `400`.
 *
 * @example
 * ```ts
 * // <form method="post" action="/i18n/setlang"><input name="next" value="/pt-br/cart"> ...
 * if (url.pathname === '/i18n/setlang') return setLanguage({ i18n })(request);
 * ```
 */
export function setLanguage(options: SetLanguageOptions): Handler {
  if (typeof options?.i18n?.resolveLocale !== 'function') {
    throw new I18nError(
      'ERR_INVALID_OPTION',
      `Expected \`i18n\` to be an i18n instance, got ${describe(options?.i18n)}`,
    );
  }
  const o = i18nOptions('setLanguage', options, SET_LANGUAGE_KEYS, SET_LANGUAGE_DEFAULTS);
  if (typeof o.cookie !== 'string' || !/^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/.test(o.cookie)) {
    throw new I18nError('ERR_INVALID_OPTION', `Expected \`cookie\` to be a cookie name, got ${describe(o.cookie)}`);
  }
  if (typeof o.maxAge !== 'number' || !Number.isInteger(o.maxAge) || o.maxAge < 0) {
    throw new I18nError(
      'ERR_INVALID_OPTION',
      `Expected \`maxAge\` to be a non-negative integer number of seconds, got ${describe(o.maxAge)}`,
    );
  }

  if (typeof o.maxBodySize !== 'number' || !Number.isInteger(o.maxBodySize) || o.maxBodySize < 0) {
    throw new I18nError(
      'ERR_INVALID_OPTION',
      `Expected \`maxBodySize\` to be a non-negative integer number of bytes, got ${describe(o.maxBodySize)}`,
    );
  }

  return async function setLanguage(request) {
    if (request.method !== 'POST') {
      return new Response('Method Not Allowed', { status: 405, headers: { Allow: 'POST' } });
    }
    const form = await readForm(request, o.maxBodySize);
    if (form === TOO_LARGE) return new Response('Payload Too Large', { status: 413 });
    if (form === UNSUPPORTED) {
      await request.body?.cancel().catch(() => {});
      const type = request.headers.get('content-type');
      return new Response(
        `setLanguage expects a form body (application/x-www-form-urlencoded or multipart/form-data) with the fields language and next, got ${type}`,
        { status: 415, headers: { Accept: FORM_TYPES.join(', '), 'Content-Type': 'text/plain; charset=utf-8' } },
      );
    }
    if (form === MALFORMED) {
      return new Response(
        'setLanguage could not read the form body: it does not match its Content-Type (send the fields language and next)',
        { status: 400, headers: { 'Content-Type': 'text/plain; charset=utf-8' } },
      );
    }
    const url = new URL(request.url);
    const language = o.i18n.resolveLocale(String(form?.get('language') ?? ''));
    const candidates = [form?.get('next'), url.searchParams.get('next'), request.headers.get('referer')];
    let target = candidates.find((candidate) => isSafeRedirect(candidate, request, o.allowedHosts)) as
      | string
      | undefined;
    const headers = new Headers();
    if (language !== undefined) {
      const secure = o.secure === 'auto' ? url.protocol === 'https:' : o.secure;
      headers.append(
        'Set-Cookie',
        `${o.cookie}=${encodeURIComponent(language)}; Path=/; Max-Age=${o.maxAge}; SameSite=Lax${secure ? '; Secure' : ''}`,
      );
      if (target !== undefined && o.prefix) target = translatePrefix(target, language, o.i18n);
    }
    if (target === undefined && !(request.headers.get('accept') ?? '').includes('text/html')) {
      return new Response(null, { status: 204, headers });
    }
    headers.set('Location', target ?? '/');
    return new Response(null, { status: 302, headers });
  };
}

const TOO_LARGE = Symbol('too large');
const UNSUPPORTED = Symbol('not a form');
const MALFORMED = Symbol('malformed form');
const FORM_TYPES = ['application/x-www-form-urlencoded', 'multipart/form-data'];

/**
 * The form of a urlencoded or multipart body of at most `limit` bytes; `undefined` when there is
 * none (no `Content-Type`: Django reads an empty form), `UNSUPPORTED` for another type (JSON, text).
 */
async function readForm(
  request: Request,
  limit: number,
): Promise<FormData | undefined | typeof TOO_LARGE | typeof UNSUPPORTED | typeof MALFORMED> {
  const type = request.headers.get('content-type');
  if (type === null) return undefined;
  const essence = type.split(';')[0]!.trim().toLowerCase();
  if (!FORM_TYPES.includes(essence)) return UNSUPPORTED;
  const declared = Number(request.headers.get('content-length') ?? Number.NaN);
  if (declared > limit) {
    await request.body?.cancel().catch(() => {});
    return TOO_LARGE;
  }
  const body = await readLimited(request, limit);
  if (body === TOO_LARGE || body === undefined) return body;
  try {
    return await new Response(body, { headers: { 'content-type': type } }).formData();
  } catch {
    return MALFORMED;
  }
}

/** The body's bytes, reading no more than `limit` of them (a missing or lying `Content-Length` included). */
async function readLimited(
  request: Request,
  limit: number,
): Promise<Uint8Array<ArrayBuffer> | undefined | typeof TOO_LARGE> {
  if (request.body === null) return new Uint8Array(0);
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        return TOO_LARGE;
      }
      chunks.push(value);
    }
  } catch {
    return undefined; // the client went away mid-body
  }
  const bytes = new Uint8Array(size);
  let offset = 0;
  for (const chunk of chunks) {
    bytes.set(chunk, offset);
    offset += chunk.byteLength;
  }
  return bytes;
}

function translatePrefix(target: string, language: string, i18n: SetLanguageOptions['i18n']): string {
  const url = new URL(target, 'http://placeholder');
  const segment = firstSegment(url.pathname);
  if (segment === undefined || i18n.resolveLocale(segment) === undefined) return target;
  const path = localizePath(
    { resolveLocale: (tag) => i18n.resolveLocale(tag), defaultLocale: '' },
    `${url.pathname}${url.search}${url.hash}`,
    language,
  );
  return target.startsWith('/') ? path : `${url.origin}${path}`;
}
