import { invalidOption } from '../errors.js';
import type { ResolvedSecuritySettings } from '../settings-schema.js';
import type { AllowedHost } from './hosts.js';

/** `SECURE_REDIRECT_EXEMPT` as regular expressions; an invalid one is reported with its index. */
export function redirectExemptions(patterns: readonly string[]): RegExp[] {
  return patterns.map((pattern, index) => {
    try {
      return new RegExp(pattern);
    } catch {
      return invalidOption(`SECURE_REDIRECT_EXEMPT[${index}]`, 'a valid regular expression', pattern);
    }
  });
}

/**
 * Django's `SECURE_SSL_REDIRECT` for a request that came over HTTP: a 301 to the same path
 * over HTTPS, or `undefined` when the path (without its leading `/`) matches an exemption. The
 * target is the request's own host (port included) unless `SECURE_SSL_HOST` names another.
 */
export function httpsRedirect(
  request: Request,
  host: AllowedHost,
  s: ResolvedSecuritySettings,
  exempt: readonly RegExp[],
): Response | undefined {
  const url = new URL(request.url);
  const path = url.pathname.replace(/^\//, '');
  if (exempt.some((re) => re.test(path))) return undefined;
  const target = s.SECURE_SSL_HOST ?? `${host.domain}${host.port ? `:${host.port}` : ''}`;
  return new Response(null, { status: 301, headers: { location: `https://${target}${url.pathname}${url.search}` } });
}
