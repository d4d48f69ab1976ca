import { type Middleware, type OptionKeys, withHeaders } from '@adv/types';
import { invalidOption } from './errors.js';
import { deployOptions } from './options.js';
import { effectiveAllowedHosts, isSecureRequest, requestHost } from './request-info.js';
import { addSecurityHeaders, securityHeaders } from './security/headers.js';
import { hostVerdicts } from './security/hosts.js';
import { httpsRedirect, redirectExemptions } from './security/redirect.js';
import { resolveSettings, type SecuritySettings } from './settings-schema.js';

/** Options of {@link securityMiddleware} beyond the settings. */
export interface SecurityMiddlewareOptions {
  /**
   * Add `Secure` to every `Set-Cookie` the app sends over HTTPS that lacks it.
   * @defaultValue `settings.SESSION_COOKIE_SECURE`
   */
  secureCookies?: boolean | undefined;
  /**
   * Turns an error thrown below into a response, which then gets the security headers like
   * any other (Django's middleware sees a 500 response, never an exception). Rethrow to let an
   * outer handler deal with it (it then gets no headers from here).
   * @defaultValue logs the error with `console.error` and answers `500 Internal Server Error` (text)
   */
  onError?: ((error: unknown, request: Request) => Response | Promise<Response>) | undefined;
}

const SECURITY_KEYS: OptionKeys<SecurityMiddlewareOptions> = { secureCookies: true, onError: true };

/** The default {@link SecurityMiddlewareOptions.onError}: Hono's, a log line and a plain 500. */
function internalError(error: unknown): Response {
  console.error('securityMiddleware: unhandled error', error);
  return new Response('Internal Server Error', {
    status: 500,
    headers: { 'content-type': 'text/plain; charset=utf-8' },
  });
}

const badRequest = () =>
  new Response('Bad Request (400)', { status: 400, headers: { 'content-type': 'text/plain; charset=utf-8' } });

// Sets headers on a response, copying it first when its headers are immutable (`fetch`,
// `Response.redirect`; `Response.error()` becomes a 502): the one of `@adv/types`, still exported here.
export { withHeaders };

/**
 * Django's SecurityMiddleware (+ host validation, clickjacking and cookie flags) as one Fetch
 * middleware: rejects a Host outside `ALLOWED_HOSTS` with a 400 that never echoes it,
 * redirects HTTP to HTTPS (`SECURE_SSL_REDIRECT`, trusting a proxy header only when
 * `SECURE_PROXY_SSL_HEADER` is set), and adds HSTS (HTTPS only), `X-Content-Type-Options`,
 * `Referrer-Policy`, `Cross-Origin-Opener-Policy`, `X-Frame-Options` and an optional CSP,
 * without overriding headers the app already set.
 *
 * @example
 * ```ts
 * const app = compose(securityMiddleware(settings), csrfMiddleware(settings))(handler);
 * ```
 */
export function securityMiddleware(settings: SecuritySettings, options?: SecurityMiddlewareOptions): Middleware {
  if (typeof settings !== 'object' || settings === null) invalidOption('settings', 'a settings object', settings);
  const s = resolveSettings(settings);
  const o = deployOptions('securityMiddleware', options, SECURITY_KEYS, {
    secureCookies: s.SESSION_COOKIE_SECURE,
    onError: internalError,
  });
  const { onError } = o;
  if (typeof onError !== 'function') invalidOption('onError', 'a function (error, request) => Response', onError);
  const exempt = redirectExemptions(s.SECURE_REDIRECT_EXEMPT);
  const headers = securityHeaders(s, o.secureCookies);
  const allowedHost = hostVerdicts(effectiveAllowedHosts(s));

  // Every response leaving here gets the headers: the 400 for a bad host, the HTTPS redirect,
  // the app's own answers (4xx and 5xx included) and the response made from a thrown error.
  // A plain function and one `.then` (not an `async` function awaiting): one promise, and its
  // AsyncLocalStorage hook runs, fewer per request. Anything thrown here still becomes a rejection.
  return function securityMiddleware(request, next) {
    try {
      return answer(request, next);
    } catch (error) {
      return Promise.reject(error);
    }
  };

  function answer(request: Request, next: (request: Request) => Promise<Response>): Promise<Response> {
    const secure = isSecureRequest(request, s);
    const host = allowedHost(requestHost(request, s));
    // No HSTS and no cookie rewriting for a host that is not ours; the other headers still go out.
    if (!host) return Promise.resolve(addSecurityHeaders(badRequest(), headers, false));
    if (s.SECURE_SSL_REDIRECT && !secure) {
      const redirect = httpsRedirect(request, host, s, exempt);
      if (redirect) return Promise.resolve(addSecurityHeaders(redirect, headers, secure));
    }
    const withSecurity = (response: Response) => addSecurityHeaders(response, headers, secure);
    const fromError = (error: unknown) =>
      new Promise<Response>((resolve) => resolve(onError(error, request))).then(withSecurity);
    let pending: Promise<Response>;
    try {
      pending = next(request);
    } catch (error) {
      return fromError(error);
    }
    return Promise.resolve(pending).then(withSecurity, fromError);
  }
}
