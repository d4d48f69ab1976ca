import type { Middleware, Next, OptionKeys } from '@adv/types';
import { invalidOption } from './errors.js';
import { deployOptions } from './options.js';
import { isSecureRequest, requestHost } from './request-info.js';
import { resolveSettings, type SecuritySettings } from './settings-schema.js';

/** Options of {@link csrfMiddleware} beyond the settings. */
export interface CsrfMiddlewareOptions {
  /**
   * Accept unsafe requests that carry neither `Origin` nor `Referer` (non-browser API clients).
   * Browsers always send `Origin` on cross-origin POSTs, so this does not reopen CSRF, but it
   * also accepts privacy tools that strip both headers.
   * @defaultValue `false`
   */
  allowMissingOrigin?: boolean | undefined;
  /** Requests to skip entirely (Django's `@csrf_exempt`), e.g. a webhook with its own signature check. */
  exempt?: ((request: Request) => boolean) | undefined;
}

/** Defaults of {@link CsrfMiddlewareOptions}. */
export const CSRF_DEFAULTS = { allowMissingOrigin: false } as const;

const CSRF_KEYS: OptionKeys<CsrfMiddlewareOptions> = { allowMissingOrigin: true, exempt: true };

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS', 'TRACE']);

const forbidden = (reason: string) =>
  new Response(`Forbidden (403)\nCSRF verification failed: ${reason}.`, {
    status: 403,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });

/** Normalised origin (lower case, default port dropped), or `''` when unparsable. */
function originOf(value: string): string {
  try {
    const origin = new URL(value).origin;
    return origin === 'null' ? '' : origin;
  } catch {
    return '';
  }
}

/** Matches an origin against `CSRF_TRUSTED_ORIGINS` entries such as `https://*.example.com`. */
export function isTrustedOrigin(origin: string, trusted: readonly string[]): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  return trusted.some((entry) => {
    const star = entry.indexOf('://*.');
    if (star === -1) return entry.toLowerCase() === origin.toLowerCase();
    const scheme = entry.slice(0, star + 1);
    const suffix = entry.slice(star + 4).toLowerCase(); // ".example.com[:port]"
    return parsed.protocol === scheme && (parsed.host.endsWith(suffix) || parsed.host === suffix.slice(1));
  });
}

/**
 * Django 4+'s CSRF origin verification as Fetch middleware: an unsafe request (not GET, HEAD,
 * OPTIONS, TRACE) must carry an `Origin` equal to the site's own origin or listed in
 * `CSRF_TRUSTED_ORIGINS`; without `Origin`, an HTTPS request must carry a same-origin (or
 * trusted) `Referer`. Anything else gets a 403. The site's origin uses the proxy-aware scheme
 * (`SECURE_PROXY_SSL_HEADER`) and Host (`USE_X_FORWARDED_HOST`).
 *
 * @example
 * ```ts
 * const app = compose(securityMiddleware(settings), csrfMiddleware(settings))(handler);
 * ```
 */
export function csrfMiddleware(settings: SecuritySettings, options?: CsrfMiddlewareOptions): Middleware {
  if (typeof settings !== 'object' || settings === null) invalidOption('settings', 'a settings object', settings);
  const { allowMissingOrigin, exempt } = deployOptions('csrfMiddleware', options, CSRF_KEYS, CSRF_DEFAULTS);
  if (exempt !== undefined && typeof exempt !== 'function') {
    invalidOption('exempt', 'a function (request) => boolean', exempt);
  }
  const s = resolveSettings(settings);
  const trusted = s.CSRF_TRUSTED_ORIGINS;

  const check = async (request: Request, next: Next): Promise<Response> => {
    if (exempt?.(request)) return next(request);
    const secure = isSecureRequest(request, s);
    const ownOrigin = originOf(`${secure ? 'https' : 'http'}://${requestHost(request, s)}`);
    const origin = request.headers.get('origin');
    if (origin !== null) {
      // "null" (sandboxed iframes, file://) never matches.
      if ((ownOrigin && originOf(origin) === ownOrigin) || isTrustedOrigin(origin, trusted)) return next(request);
      return forbidden('Origin checking failed, it does not match any trusted origins');
    }
    const referer = request.headers.get('referer');
    if (referer === null) {
      if (allowMissingOrigin) return next(request);
      return forbidden(secure ? 'Referer checking failed, no Referer' : 'Origin checking failed, no Origin');
    }
    let refererOrigin: string;
    try {
      refererOrigin = new URL(referer).origin;
    } catch {
      return forbidden('Referer checking failed, Referer is malformed');
    }
    if (secure && !refererOrigin.startsWith('https:'))
      return forbidden('Referer checking failed, Referer is insecure while host is secure');
    if (refererOrigin === ownOrigin || isTrustedOrigin(refererOrigin, trusted)) return next(request);
    return forbidden('Referer checking failed, it does not match any trusted origins');
  };
  // A plain function: safe methods (most requests) pass through without a promise of their own.
  return function csrfMiddleware(request, next) {
    return SAFE_METHODS.has(request.method) ? next(request) : check(request, next);
  };
}
