import { withHeaders } from '@adv/types';
import { type ResolvedSecuritySettings, referrerPolicyHeader } from '../settings-schema.js';

/** The headers `securityMiddleware` adds, turned into constant values once from the settings. */
export interface SecurityHeaders {
  /** Headers every response gets unless the app set them (nosniff, Referrer-Policy, COOP, X-Frame-Options, CSP). */
  readonly fixed: readonly (readonly [name: string, value: string])[];
  /** The `Strict-Transport-Security` value for HTTPS responses, or `''` for none. */
  readonly hsts: string;
  /** Whether `Set-Cookie` headers sent over HTTPS get `Secure` added. */
  readonly secureCookies: boolean;
}

/** `max-age=…; includeSubDomains; preload` as the settings ask, or `''` when HSTS is off. */
function hstsHeader(s: ResolvedSecuritySettings): string {
  if (s.SECURE_HSTS_SECONDS <= 0) return '';
  let hsts = `max-age=${s.SECURE_HSTS_SECONDS}`;
  if (s.SECURE_HSTS_INCLUDE_SUBDOMAINS) hsts += '; includeSubDomains';
  if (s.SECURE_HSTS_PRELOAD) hsts += '; preload';
  return hsts;
}

/** The headers of {@link SecurityHeaders} the settings turn on, in the order they are set. */
export function securityHeaders(s: ResolvedSecuritySettings, secureCookies: boolean): SecurityHeaders {
  const fixed: [string, string][] = [];
  if (s.SECURE_CONTENT_TYPE_NOSNIFF) fixed.push(['x-content-type-options', 'nosniff']);
  const referrerPolicy = referrerPolicyHeader(s.SECURE_REFERRER_POLICY);
  if (referrerPolicy) fixed.push(['referrer-policy', referrerPolicy]);
  if (s.SECURE_CROSS_ORIGIN_OPENER_POLICY)
    fixed.push(['cross-origin-opener-policy', s.SECURE_CROSS_ORIGIN_OPENER_POLICY]);
  if (s.X_FRAME_OPTIONS) fixed.push(['x-frame-options', s.X_FRAME_OPTIONS]);
  if (s.SECURE_CSP) fixed.push(['content-security-policy', s.SECURE_CSP]);
  if (s.SECURE_CSP_REPORT_ONLY) fixed.push(['content-security-policy-report-only', s.SECURE_CSP_REPORT_ONLY]);
  return { fixed, hsts: hstsHeader(s), secureCookies };
}

const SECURE_ATTRIBUTE = /;\s*secure\s*(;|$)/i;

/** Adds `Secure` to each `Set-Cookie` that lacks it (the order of the cookies is kept). */
function secureSetCookies(headers: Headers): void {
  const cookies = headers.getSetCookie();
  if (cookies.every((c) => SECURE_ATTRIBUTE.test(c))) return;
  headers.delete('set-cookie');
  for (const c of cookies) headers.append('set-cookie', SECURE_ATTRIBUTE.test(c) ? c : `${c}; Secure`);
}

/**
 * The response with the security headers it lacks (copied first when its headers are
 * immutable); HSTS and cookie flags only when the request came over HTTPS (`secure`).
 */
export function addSecurityHeaders(response: Response, plan: SecurityHeaders, secure: boolean): Response {
  return withHeaders(response, (headers) => {
    for (const [name, value] of plan.fixed) if (!headers.has(name)) headers.set(name, value);
    if (!secure) return;
    if (plan.hsts && !headers.has('strict-transport-security')) headers.set('strict-transport-security', plan.hsts);
    if (plan.secureCookies) secureSetCookies(headers);
  });
}
