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

/** Django's `validate_host`: exact match, `.example.com` for the domain and its subdomains, `*` for anything. */
export function isAllowedHost(domain: string, allowed: readonly string[]): boolean {
  return allowed.some((pattern) => {
    const p = pattern.toLowerCase();
    if (p === '*') return true;
    if (p.startsWith('.')) return domain === p.slice(1) || domain.endsWith(p);
    return domain === p;
  });
}

/** ALLOWED_HOSTS, with Django's localhost defaults when DEBUG is on and the list is empty. */
export function effectiveAllowedHosts(settings: SecuritySettings): readonly string[] {
  const hosts = settings.ALLOWED_HOSTS ?? [];
  return hosts.length === 0 && settings.DEBUG ? ['.localhost', '127.0.0.1', '[::1]'] : hosts;
}
