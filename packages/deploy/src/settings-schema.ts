import { z } from 'zod';

/** Splits a comma-separated environment value into trimmed, non-empty items. */
const list = () =>
  z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
    )
    .default([]);

/** `true/false`, `1/0`, `yes/no`, `on/off` (zod's `stringbool`), with a default. */
const flag = (fallback: boolean) => z.stringbool().default(fallback);

const seconds = () =>
  z.string().regex(/^\d+$/, 'expected a whole number of seconds (0 or more)').transform(Number).default(0);

/** Referrer-Policy values browsers understand (the same list Django validates, security.E023). */
export const REFERRER_POLICY_VALUES = [
  'no-referrer',
  'no-referrer-when-downgrade',
  'origin',
  'origin-when-cross-origin',
  'same-origin',
  'strict-origin',
  'strict-origin-when-cross-origin',
  'unsafe-url',
] as const;

/** Cross-Origin-Opener-Policy values (Django validates the same list, security.E024). */
export const COOP_VALUES = ['same-origin', 'same-origin-allow-popups', 'unsafe-none'] as const;

/**
 * The zod shape of the settings every app gets, read from environment variables of the same
 * names (Django's setting names). Defaults are Django's.
 */
export const baseSettingsShape = {
  /** `DEBUG`: never true in production (security.W018). */
  DEBUG: flag(false),
  /** `SECRET_KEY`: required; signs cookies and tokens. */
  SECRET_KEY: z.string({ error: 'is required' }).min(1, 'must not be empty'),
  /** `SECRET_KEY_FALLBACKS`: comma-separated old keys still accepted while rotating. */
  SECRET_KEY_FALLBACKS: list(),
  /** `ALLOWED_HOSTS`: comma-separated; `.example.com` matches subdomains, `*` anything. */
  ALLOWED_HOSTS: list(),
  /** `USE_X_FORWARDED_HOST`: trust `X-Forwarded-Host` (only behind a proxy that sets it). */
  USE_X_FORWARDED_HOST: flag(false),
  /** `CSRF_TRUSTED_ORIGINS`: comma-separated origins with scheme, e.g. `https://*.example.com`. */
  CSRF_TRUSTED_ORIGINS: list(),
  /** `SECURE_SSL_REDIRECT`: redirect plain HTTP to HTTPS. */
  SECURE_SSL_REDIRECT: flag(false),
  /** `SECURE_SSL_HOST`: host to redirect to instead of the request's. */
  SECURE_SSL_HOST: z.string().optional(),
  /** `SECURE_REDIRECT_EXEMPT`: comma-separated regular expressions of paths never redirected. */
  SECURE_REDIRECT_EXEMPT: list(),
  /** `SECURE_HSTS_SECONDS`: max-age of Strict-Transport-Security; 0 disables it. */
  SECURE_HSTS_SECONDS: seconds(),
  /** `SECURE_HSTS_INCLUDE_SUBDOMAINS`: add `includeSubDomains`. */
  SECURE_HSTS_INCLUDE_SUBDOMAINS: flag(false),
  /** `SECURE_HSTS_PRELOAD`: add `preload`. */
  SECURE_HSTS_PRELOAD: flag(false),
  /**
   * `SECURE_PROXY_SSL_HEADER`: `Header-Name,value` the proxy sets on HTTPS requests, e.g.
   * `X-Forwarded-Proto,https`. Unset means forwarded headers are never trusted.
   */
  SECURE_PROXY_SSL_HEADER: z
    .string()
    .regex(
      /^\s*[A-Za-z0-9_-]+\s*,\s*\S.*$/,
      "expected `Header-Name,value`, e.g. `X-Forwarded-Proto,https` (Django's `HTTP_X_FORWARDED_PROTO,https` works too)",
    )
    .transform((value) => {
      const comma = value.indexOf(',');
      // Django names the header by its WSGI key (HTTP_X_FORWARDED_PROTO): accept that spelling too.
      const name = value
        .slice(0, comma)
        .trim()
        .toLowerCase()
        .replace(/^http_/, '')
        .replaceAll('_', '-');
      return [name, value.slice(comma + 1).trim()] as [string, string];
    })
    .optional(),
  /** `SECURE_CONTENT_TYPE_NOSNIFF`: send `X-Content-Type-Options: nosniff`. */
  SECURE_CONTENT_TYPE_NOSNIFF: flag(true),
  /** `SECURE_REFERRER_POLICY`: comma-separated Referrer-Policy values (security.E023 lists them). */
  SECURE_REFERRER_POLICY: z
    .string()
    .refine(
      (value) =>
        value
          .split(',')
          .map((v) => v.trim())
          .every((v) => (REFERRER_POLICY_VALUES as readonly string[]).includes(v)),
      `expected comma-separated values among ${REFERRER_POLICY_VALUES.join(', ')}`,
    )
    .default('same-origin'),
  /** `SECURE_CROSS_ORIGIN_OPENER_POLICY`: one of {@link COOP_VALUES}. */
  SECURE_CROSS_ORIGIN_OPENER_POLICY: z
    .string()
    .refine((value) => (COOP_VALUES as readonly string[]).includes(value), `expected one of ${COOP_VALUES.join(', ')}`)
    .default('same-origin'),
  /** `X_FRAME_OPTIONS`: `DENY` or `SAMEORIGIN`. */
  X_FRAME_OPTIONS: z.enum(['DENY', 'SAMEORIGIN']).default('DENY'),
  /** `SECURE_CSP`: a Content-Security-Policy header value; unset sends none. */
  SECURE_CSP: z.string().optional(),
  /** `SECURE_CSP_REPORT_ONLY`: a Content-Security-Policy-Report-Only value, to trial a policy; unset sends none. */
  SECURE_CSP_REPORT_ONLY: z.string().optional(),
  /** `SESSION_COOKIE_SECURE`: mark session cookies (and, in securityMiddleware, every cookie) `Secure`. */
  SESSION_COOKIE_SECURE: flag(false),
  /** `SESSION_COOKIE_HTTPONLY`. */
  SESSION_COOKIE_HTTPONLY: flag(true),
  /** `CSRF_COOKIE_SECURE`. */
  CSRF_COOKIE_SECURE: flag(false),
  /** `SILENCED_SYSTEM_CHECKS`: comma-separated check ids `checkDeploy` leaves out. */
  SILENCED_SYSTEM_CHECKS: list(),
  /** `STATIC_URL`: URL prefix of static files. */
  STATIC_URL: z.string().default('/static/'),
  /** `STATIC_ROOT`: directory `collectStatic` writes to and `serveStatic` reads from. */
  STATIC_ROOT: z.string().optional(),
  /** `NODE_ENV`: `production` in deployment (adv.W002). */
  NODE_ENV: z.string().default('development'),
};

/** The settings object every app gets (before its own fields). */
export type BaseSettings = z.output<z.ZodObject<typeof baseSettingsShape>>;

/** The settings the security, CSRF and check functions read: any subset, Django's defaults for the rest. */
export type SecuritySettings = Partial<BaseSettings>;

/** Django's defaults, for settings objects built by hand (tests, `checkDeploy` on a partial object). */
export const DEFAULT_SETTINGS: Omit<BaseSettings, 'SECRET_KEY'> = {
  DEBUG: false,
  SECRET_KEY_FALLBACKS: [],
  ALLOWED_HOSTS: [],
  USE_X_FORWARDED_HOST: false,
  CSRF_TRUSTED_ORIGINS: [],
  SECURE_SSL_REDIRECT: false,
  SECURE_SSL_HOST: undefined,
  SECURE_REDIRECT_EXEMPT: [],
  SECURE_HSTS_SECONDS: 0,
  SECURE_HSTS_INCLUDE_SUBDOMAINS: false,
  SECURE_HSTS_PRELOAD: false,
  SECURE_PROXY_SSL_HEADER: undefined,
  SECURE_CONTENT_TYPE_NOSNIFF: true,
  SECURE_REFERRER_POLICY: 'same-origin',
  SECURE_CROSS_ORIGIN_OPENER_POLICY: 'same-origin',
  X_FRAME_OPTIONS: 'DENY',
  SECURE_CSP: undefined,
  SECURE_CSP_REPORT_ONLY: undefined,
  SESSION_COOKIE_SECURE: false,
  SESSION_COOKIE_HTTPONLY: true,
  CSRF_COOKIE_SECURE: false,
  SILENCED_SYSTEM_CHECKS: [],
  STATIC_URL: '/static/',
  STATIC_ROOT: undefined,
  NODE_ENV: 'development',
};

/** Fills Django's defaults into a partial settings object. */
export function resolveSettings(
  settings: SecuritySettings,
): Omit<BaseSettings, 'SECRET_KEY'> & { SECRET_KEY?: string } {
  const resolved: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(settings)) if (value !== undefined) resolved[key] = value;
  return resolved as Omit<BaseSettings, 'SECRET_KEY'> & { SECRET_KEY?: string };
}
