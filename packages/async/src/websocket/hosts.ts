/** Django's `host_validation_re`: a DNS name or a bracketed IPv6 address, then an optional port. */
const VALID_HOST = /^([a-z0-9.-]+|\[[a-f0-9]*:[a-f0-9.:]+\])(:[0-9]+)?$/;

/**
 * The domain of a `Host` header as Django's `split_domain_port` gives it: lower-cased, port and
 * trailing dot removed; `''` when the header is missing or malformed.
 */
export function hostDomain(host: string | undefined): string {
  if (host === undefined) return '';
  const lower = host.toLowerCase();
  if (!VALID_HOST.test(lower)) return '';
  if (lower.endsWith(']')) return lower; // IPv6 without a port
  const colon = lower.lastIndexOf(':');
  const domain = colon < 0 ? lower : lower.slice(0, colon);
  return domain.endsWith('.') ? domain.slice(0, -1) : domain;
}

/**
 * Whether a `Host` header is allowed by `patterns`, with Django's `ALLOWED_HOSTS` rules: an
 * exact name (`example.com`), a leading dot for the domain and its subdomains (`.example.com`),
 * or `'*'` for any; case-insensitive, the header's port ignored. A missing or malformed header
 * is never allowed; an empty list allows nothing.
 */
export function hostAllowed(host: string | undefined, patterns: readonly string[]): boolean {
  const domain = hostDomain(host);
  if (domain === '') return false;
  for (const raw of patterns) {
    const pattern = raw.toLowerCase();
    if (pattern === '*' || pattern === domain) return true;
    if (pattern.startsWith('.') && (domain.endsWith(pattern) || domain === pattern.slice(1))) return true;
  }
  return false;
}
