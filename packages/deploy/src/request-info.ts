import type { SecuritySettings } from './settings-schema.js';

/**
 * Whether the request arrived over HTTPS: the URL's scheme, or (only when
 * `SECURE_PROXY_SSL_HEADER` is configured) the header the trusted proxy sets.
 */
export function isSecureRequest(request: Request, settings: SecuritySettings): boolean {
  const proxy = settings.SECURE_PROXY_SSL_HEADER;
  if (proxy) {
    const value = request.headers.get(proxy[0]);
    // As Django 4.1+: the first of comma-separated values. The proxy must SET this header, never append to it.
    if (value !== null) return value.split(',')[0]?.trim() === proxy[1];
  }
  return request.url.startsWith('https:'); // Request URLs are normalised: the scheme is lower-case
}

/** The Host the client asked for: `X-Forwarded-Host` only with `USE_X_FORWARDED_HOST`, else `Host`, else the URL's. */
export function requestHost(request: Request, settings: SecuritySettings): string {
  if (settings.USE_X_FORWARDED_HOST) {
    const forwarded = request.headers.get('x-forwarded-host');
    if (forwarded) return forwarded.split(',')[0]?.trim() ?? '';
  }
  return request.headers.get('host') ?? new URL(request.url).host;
}

/** Django's host syntax: a domain or bracketed IPv6, optional port. */
const HOST_SYNTAX = /^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(?::(\d+))?$/i;

/** Splits `host:port`, or `null` when the Host header is malformed. */
export function splitHost(host: string): { domain: string; port: string } | null {
  const match = HOST_SYNTAX.exec(host);
  if (!match) return null;
  const domain = (match[1] ?? '').toLowerCase();
  return { domain: domain.endsWith('.') ? domain.slice(0, -1) : domain, port: match[2] ?? '' };
}

/** Django's `validate_host` on a bare, lower-case domain. */
function matchesAllowed(domain: string, allowed: readonly string[]): boolean {
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === '*') return true;
    if (p.startsWith('.')) return domain === p.slice(1) || domain.endsWith(p);
    return domain === p;
  });
}

/**
 * Whether a `Host` header value (`example.com`, `example.com:8443`, `[::1]:3000`) is allowed by
 * `allowedHosts`, as Django's `validate_host`: exact match, `.example.com` for the domain and its
 * subdomains, `*` for anything. A missing or malformed host is never allowed. Pure: call it
 * wherever a request escapes `securityMiddleware`, e.g. on a WebSocket upgrade (see
 * {@link isAllowedRequestHost} for the whole rule with settings).
 *
 * @example
 * ```ts
 * isAllowedHost('Shop.Example.com:443', ['.example.com']); // true
 * isAllowedHost('evil.example', ['example.com']); // false
 * ```
 */
export function isAllowedHost(host: string | null | undefined, allowedHosts: readonly string[]): boolean {
  if (!host) return false;
  const split = splitHost(host);
  return split !== null && matchesAllowed(split.domain, allowedHosts);
}

/**
 * The Host check of `securityMiddleware`, for requests it does not see (a WebSocket upgrade):
 * reads `X-Forwarded-Host` only with `USE_X_FORWARDED_HOST`, and with `DEBUG` and an empty
 * `ALLOWED_HOSTS` allows only localhost, as Django.
 *
 * @example
 * ```ts
 * consumer({ authenticate: (request) => isAllowedRequestHost(request, settings) ? {} : new Response(null, { status: 400 }) });
 * ```
 */
export function isAllowedRequestHost(request: Request, settings: SecuritySettings): boolean {
  return isAllowedHost(requestHost(request, settings), effectiveAllowedHosts(settings));
}

/** `ALLOWED_HOSTS`, with Django's localhost defaults when `DEBUG` is on and the list is empty. */
export function effectiveAllowedHosts(settings: SecuritySettings): readonly string[] {
  const hosts = settings.ALLOWED_HOSTS ?? [];
  return hosts.length === 0 && settings.DEBUG ? ['.localhost', '127.0.0.1', '[::1]'] : hosts;
}
