/**
 * Django's deployment settings, parsed from environment strings by hand: a dozen booleans,
 * lists and enums need no schema library, so the root entry loads none (an app validates its
 * own fields with the Standard Schema library it already uses; see `defineSettings`).
 */

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

/** The settings every app gets, read from environment variables of the same names (Django's names and defaults). */
export interface BaseSettings {
  /** `DEBUG`: never true in production (security.W018). With it off, a weak `SECRET_KEY` does not load. */
  DEBUG: boolean;
  /** `SECRET_KEY`: required; signs cookies and tokens. */
  SECRET_KEY: string;
  /** `SECRET_KEY_FALLBACKS`: comma-separated old keys still accepted while rotating. */
  SECRET_KEY_FALLBACKS: string[];
  /** `ALLOWED_HOSTS`: comma-separated; `.example.com` matches subdomains, `*` anything. */
  ALLOWED_HOSTS: string[];
  /** `USE_X_FORWARDED_HOST`: trust `X-Forwarded-Host` (only behind a proxy that sets it). */
  USE_X_FORWARDED_HOST: boolean;
  /** `CSRF_TRUSTED_ORIGINS`: comma-separated origins with scheme, e.g. `https://*.example.com`. */
  CSRF_TRUSTED_ORIGINS: string[];
  /** `SECURE_SSL_REDIRECT`: redirect plain HTTP to HTTPS. */
  SECURE_SSL_REDIRECT: boolean;
  /** `SECURE_SSL_HOST`: host to redirect to instead of the request's. */
  SECURE_SSL_HOST?: string | undefined;
  /** `SECURE_REDIRECT_EXEMPT`: comma-separated regular expressions of paths never redirected. */
  SECURE_REDIRECT_EXEMPT: string[];
  /** `SECURE_HSTS_SECONDS`: max-age of Strict-Transport-Security; 0 disables it. */
  SECURE_HSTS_SECONDS: number;
  /** `SECURE_HSTS_INCLUDE_SUBDOMAINS`: add `includeSubDomains`. */
  SECURE_HSTS_INCLUDE_SUBDOMAINS: boolean;
  /** `SECURE_HSTS_PRELOAD`: add `preload`. */
  SECURE_HSTS_PRELOAD: boolean;
  /**
   * `SECURE_PROXY_SSL_HEADER`: `Header-Name,value` the proxy sets on HTTPS requests, e.g.
   * `X-Forwarded-Proto,https`, parsed to `[lower-case name, value]`. Unset means forwarded headers are never trusted.
   */
  SECURE_PROXY_SSL_HEADER?: [string, string] | undefined;
  /** `SECURE_CONTENT_TYPE_NOSNIFF`: send `X-Content-Type-Options: nosniff`. */
  SECURE_CONTENT_TYPE_NOSNIFF: boolean;
  /** `SECURE_REFERRER_POLICY`: comma-separated Referrer-Policy values (security.E023 lists them). */
  SECURE_REFERRER_POLICY: string;
  /** `SECURE_CROSS_ORIGIN_OPENER_POLICY`: one of {@link COOP_VALUES}. */
  SECURE_CROSS_ORIGIN_OPENER_POLICY: string;
  /** `X_FRAME_OPTIONS`: `DENY` or `SAMEORIGIN`. */
  X_FRAME_OPTIONS: 'DENY' | 'SAMEORIGIN';
  /** `SECURE_CSP`: a Content-Security-Policy header value; unset sends none. */
  SECURE_CSP?: string | undefined;
  /** `SECURE_CSP_REPORT_ONLY`: a Content-Security-Policy-Report-Only value, to trial a policy; unset sends none. */
  SECURE_CSP_REPORT_ONLY?: string | undefined;
  /** `SESSION_COOKIE_SECURE`: mark session cookies (and, in securityMiddleware, every cookie) `Secure`. */
  SESSION_COOKIE_SECURE: boolean;
  /** `SESSION_COOKIE_HTTPONLY`. */
  SESSION_COOKIE_HTTPONLY: boolean;
  /** `SILENCED_SYSTEM_CHECKS`: comma-separated check ids `checkDeploy` leaves out. */
  SILENCED_SYSTEM_CHECKS: string[];
  /** `STATIC_URL`: URL prefix of static files. */
  STATIC_URL: string;
  /** `STATIC_ROOT`: directory `collectStatic` writes to and `serveStatic` reads from. */
  STATIC_ROOT?: string | undefined;
  /** `MEDIA_URL`: URL prefix of media files (user uploads); must differ from `STATIC_URL` (adv.E022). */
  MEDIA_URL: string;
  /** `MEDIA_ROOT`: directory of media files on disk (`diskStorage`); outside `STATIC_ROOT` (adv.E021) and the code (adv.W023). */
  MEDIA_ROOT?: string | undefined;
  /** `MEDIA_MAX_UPLOAD_BYTES`: largest accepted upload (pass it to `handleUpload` and nginx); `0` means unbounded (adv.W024). */
  MEDIA_MAX_UPLOAD_BYTES: number;
  /** `NODE_ENV`: `production` in deployment (adv.W002). */
  NODE_ENV: string;
}

/** The two policies that, as in Django, may also be `null` (no header) and, for Referrer-Policy, a list. */
type PolicySettings = 'SECURE_REFERRER_POLICY' | 'SECURE_CROSS_ORIGIN_OPENER_POLICY';

/**
 * The settings the security, CSRF and check functions read: any subset, Django's defaults for
 * the rest (a setting given as `undefined` takes its default too).
 */
export type SecuritySettings = { [K in Exclude<keyof BaseSettings, PolicySettings>]?: BaseSettings[K] | undefined } & {
  /**
   * Referrer-Policy values, comma-separated or as an array (Django takes both); `null` sends no
   * header (Django's `None`, security.W022). An empty string is an invalid value (security.E023).
   * @defaultValue `'same-origin'`
   */
  SECURE_REFERRER_POLICY?: string | readonly string[] | null | undefined;
  /**
   * One of {@link COOP_VALUES}; `null` sends no header (Django's `None`). An empty string is an
   * invalid value (security.E024).
   * @defaultValue `'same-origin'`
   */
  SECURE_CROSS_ORIGIN_OPENER_POLICY?: string | null | undefined;
};

/** Settings with Django's defaults filled in, as the middleware and checks read them. */
export type ResolvedSecuritySettings = Omit<BaseSettings, 'SECRET_KEY' | PolicySettings> & {
  SECRET_KEY?: string;
  SECURE_REFERRER_POLICY: string | readonly string[] | null;
  SECURE_CROSS_ORIGIN_OPENER_POLICY: string | null;
};

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
  SILENCED_SYSTEM_CHECKS: [],
  STATIC_URL: '/static/',
  STATIC_ROOT: undefined,
  MEDIA_URL: '/media/',
  MEDIA_ROOT: undefined,
  MEDIA_MAX_UPLOAD_BYTES: 10 * 1024 * 1024,
  NODE_ENV: 'development',
};

/** Fills Django's defaults into a partial settings object. */
export function resolveSettings(settings: SecuritySettings): ResolvedSecuritySettings {
  const resolved: Record<string, unknown> = { ...DEFAULT_SETTINGS };
  for (const [key, value] of Object.entries(settings)) if (value !== undefined) resolved[key] = value;
  return resolved as ResolvedSecuritySettings;
}

/**
 * The Referrer-Policy header value of a setting, as Django's middleware builds it: a string's
 * comma-separated values trimmed, a list joined with commas; `null` (or empty) sends none.
 */
export function referrerPolicyHeader(value: string | readonly string[] | null): string | undefined {
  if (value === null) return undefined;
  const header =
    typeof value === 'string'
      ? value
          .split(',')
          .map((v) => v.trim())
          .join(',')
      : value.join(',');
  return header === '' ? undefined : header;
}

/** A parsed value, or what is wrong with the raw string (without the value: the caller adds it). */
export type Parsed = { ok: true; value: unknown } | { ok: false; message: string };

/** Parses one environment variable; `raw` is `undefined` when unset (empty counts as unset). */
type Parser = (raw: string | undefined) => Parsed;

const ok = (value: unknown): Parsed => ({ ok: true, value });
const fail = (message: string): Parsed => ({ ok: false, message });

const TRUE = ['true', '1', 'yes', 'on', 'y', 'enabled'];
const FALSE = ['false', '0', 'no', 'off', 'n', 'disabled'];

/** `true/false`, `1/0`, `yes/no`, `on/off`, `y/n`, `enabled/disabled` (case-insensitive), with a default. */
const flag =
  (fallback: boolean): Parser =>
  (raw) => {
    if (raw === undefined) return ok(fallback);
    const value = raw.trim().toLowerCase();
    if (TRUE.includes(value)) return ok(true);
    if (FALSE.includes(value)) return ok(false);
    return fail(`expected a boolean: one of ${[...TRUE, ...FALSE].join(', ')}`);
  };

/** A comma-separated list of trimmed, non-empty items. */
const list: Parser = (raw) =>
  ok(
    (raw ?? '')
      .split(',')
      .map((item) => item.trim())
      .filter((item) => item.length > 0),
  );

const text =
  (fallback?: string): Parser =>
  (raw) =>
    ok(raw ?? fallback);

const seconds: Parser = (raw) => {
  if (raw === undefined) return ok(0);
  return /^\s*\d+\s*$/.test(raw) ? ok(Number(raw)) : fail('expected a whole number of seconds (0 or more)');
};

const oneOf =
  (values: readonly string[], fallback: string): Parser =>
  (raw) => {
    if (raw === undefined) return ok(fallback);
    const value = raw.trim();
    return values.includes(value) ? ok(value) : fail(`expected one of ${values.join(', ')}`);
  };

/** The parser of every base setting, in the order errors list them. */
export const BASE_SETTINGS_PARSERS: Readonly<Record<keyof BaseSettings, Parser>> = {
  DEBUG: flag(false),
  SECRET_KEY: (raw) => (raw === undefined ? fail('is required: set this variable') : ok(raw)),
  SECRET_KEY_FALLBACKS: list,
  ALLOWED_HOSTS: list,
  USE_X_FORWARDED_HOST: flag(false),
  CSRF_TRUSTED_ORIGINS: list,
  SECURE_SSL_REDIRECT: flag(false),
  SECURE_SSL_HOST: text(),
  SECURE_REDIRECT_EXEMPT: list,
  SECURE_HSTS_SECONDS: seconds,
  SECURE_HSTS_INCLUDE_SUBDOMAINS: flag(false),
  SECURE_HSTS_PRELOAD: flag(false),
  SECURE_PROXY_SSL_HEADER: (raw) => {
    if (raw === undefined) return ok(undefined);
    if (!/^\s*[A-Za-z0-9_-]+\s*,\s*\S.*$/.test(raw)) {
      return fail(
        "expected `Header-Name,value`, e.g. `X-Forwarded-Proto,https` (Django's `HTTP_X_FORWARDED_PROTO,https` works too)",
      );
    }
    const comma = raw.indexOf(',');
    // Django names the header by its WSGI key (HTTP_X_FORWARDED_PROTO): accept that spelling too.
    const name = raw
      .slice(0, comma)
      .trim()
      .toLowerCase()
      .replace(/^http_/, '')
      .replaceAll('_', '-');
    return ok([name, raw.slice(comma + 1).trim()]);
  },
  SECURE_CONTENT_TYPE_NOSNIFF: flag(true),
  SECURE_REFERRER_POLICY: (raw) => {
    if (raw === undefined) return ok('same-origin');
    const values = raw.split(',').map((v) => v.trim());
    return values.every((v) => (REFERRER_POLICY_VALUES as readonly string[]).includes(v))
      ? ok(raw)
      : fail(`expected comma-separated values among ${REFERRER_POLICY_VALUES.join(', ')}`);
  },
  SECURE_CROSS_ORIGIN_OPENER_POLICY: oneOf(COOP_VALUES, 'same-origin'),
  X_FRAME_OPTIONS: oneOf(['DENY', 'SAMEORIGIN'], 'DENY'),
  SECURE_CSP: text(),
  SECURE_CSP_REPORT_ONLY: text(),
  SESSION_COOKIE_SECURE: flag(false),
  SESSION_COOKIE_HTTPONLY: flag(true),
  SILENCED_SYSTEM_CHECKS: list,
  STATIC_URL: text('/static/'),
  STATIC_ROOT: text(),
  MEDIA_URL: text('/media/'),
  MEDIA_ROOT: text(),
  MEDIA_MAX_UPLOAD_BYTES: (raw) => {
    if (raw === undefined) return ok(10 * 1024 * 1024);
    return /^\s*\d+\s*$/.test(raw) ? ok(Number(raw)) : fail('expected a whole number of bytes (0 for unbounded)');
  },
  NODE_ENV: text('development'),
};
