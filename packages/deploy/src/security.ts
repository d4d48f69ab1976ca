import { type Middleware, type OptionKeys, withHeaders } from '@adv/types';
import { invalidOption } from './errors.js';
import { deployOptions } from './options.js';
import { effectiveAllowedHosts, isAllowedHost, isSecureRequest, requestHost, splitHost } from './request-info.js';
import { referrerPolicyHeader, resolveSettings, type SecuritySettings } from './settings-schema.js';

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

/** Distinct Host values whose verdict one middleware remembers. */
const HOST_MEMO_SIZE = 256;

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
  // Long for one function: the settings are checked and turned into constant header values once
  // here, and the middleware it returns reads them from this closure on every request.
  if (typeof settings !== 'object' || settings === null) invalidOption('settings', 'a settings object', settings);
  const s = resolveSettings(settings);
  const allowed = effectiveAllowedHosts(s);
  const o = deployOptions('securityMiddleware', options, SECURITY_KEYS, {
    secureCookies: s.SESSION_COOKIE_SECURE,
    onError: internalError,
  });
  const { secureCookies, onError } = o;
  if (typeof onError !== 'function') invalidOption('onError', 'a function (error, request) => Response', onError);
  const exempt = s.SECURE_REDIRECT_EXEMPT.map((pattern, index) => {
    try {
      return new RegExp(pattern);
    } catch {
      return invalidOption(`SECURE_REDIRECT_EXEMPT[${index}]`, 'a valid regular expression', pattern);
    }
  });
  let hsts = '';
  if (s.SECURE_HSTS_SECONDS > 0) {
    hsts = `max-age=${s.SECURE_HSTS_SECONDS}`;
    if (s.SECURE_HSTS_INCLUDE_SUBDOMAINS) hsts += '; includeSubDomains';
    if (s.SECURE_HSTS_PRELOAD) hsts += '; preload';
  }
  const fixed: [string, string][] = [];
  if (s.SECURE_CONTENT_TYPE_NOSNIFF) fixed.push(['x-content-type-options', 'nosniff']);
  const referrerPolicy = referrerPolicyHeader(s.SECURE_REFERRER_POLICY);
  if (referrerPolicy) fixed.push(['referrer-policy', referrerPolicy]);
  if (s.SECURE_CROSS_ORIGIN_OPENER_POLICY)
    fixed.push(['cross-origin-opener-policy', s.SECURE_CROSS_ORIGIN_OPENER_POLICY]);
  if (s.X_FRAME_OPTIONS) fixed.push(['x-frame-options', s.X_FRAME_OPTIONS]);
  if (s.SECURE_CSP) fixed.push(['content-security-policy', s.SECURE_CSP]);
  if (s.SECURE_CSP_REPORT_ONLY) fixed.push(['content-security-policy-report-only', s.SECURE_CSP_REPORT_ONLY]);

  const addHeaders = (response: Response, secure: boolean) =>
    withHeaders(response, (headers) => {
      for (const [name, value] of fixed) if (!headers.has(name)) headers.set(name, value);
      if (hsts && secure && !headers.has('strict-transport-security')) headers.set('strict-transport-security', hsts);
      if (secureCookies && secure) {
        const cookies = headers.getSetCookie();
        if (cookies.some((c) => !/;\s*secure\s*(;|$)/i.test(c))) {
          headers.delete('set-cookie');
          for (const c of cookies) headers.append('set-cookie', /;\s*secure\s*(;|$)/i.test(c) ? c : `${c}; Secure`);
        }
      }
    });

  // The verdict on the Host values seen last (a site answers to a few; past HOST_MEMO_SIZE
  // distinct values, e.g. a scanner's, the memo starts over): the split host when allowed, else null.
  const verdicts = new Map<string, { domain: string; port: string } | null>();
  const allowedHost = (value: string) => {
    let verdict = verdicts.get(value);
    if (verdict === undefined) {
      const split = splitHost(value);
      verdict = split && isAllowedHost(split.domain, allowed) ? split : null;
      if (verdicts.size >= HOST_MEMO_SIZE) verdicts.clear();
      verdicts.set(value, verdict);
    }
    return verdict;
  };

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
    if (!host) return Promise.resolve(addHeaders(badRequest(), false));
    if (s.SECURE_SSL_REDIRECT && !secure) {
      const url = new URL(request.url);
      const path = url.pathname.replace(/^\//, '');
      if (!exempt.some((re) => re.test(path))) {
        // As Django: the request's own host (port included) unless SECURE_SSL_HOST names another.
        const target = s.SECURE_SSL_HOST ?? `${host.domain}${host.port ? `:${host.port}` : ''}`;
        return Promise.resolve(
          addHeaders(
            new Response(null, { status: 301, headers: { location: `https://${target}${url.pathname}${url.search}` } }),
            secure,
          ),
        );
      }
    }
    const withSecurity = (response: Response) => addHeaders(response, secure);
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
