import { COOP_VALUES, REFERRER_POLICY_VALUES } from '../settings-schema.js';
import type { Check, DeployContext, Finding } from './types.js';

/** Django's thresholds for a strong SECRET_KEY (security.W009). */
export const SECRET_KEY_MIN_LENGTH = 50;
export const SECRET_KEY_MIN_UNIQUE_CHARACTERS = 5;

/**
 * Whether a secret is weak by Django's rule: short, repetitive, or Django's generated insecure
 * key. Length and distinct characters count code points, as Python's `len` and `set` do (an
 * emoji is one character, not two UTF-16 units).
 */
export function isWeakSecretKey(key: string | undefined): boolean {
  return (
    !key ||
    [...key].length < SECRET_KEY_MIN_LENGTH ||
    new Set(key).size < SECRET_KEY_MIN_UNIQUE_CHARACTERS ||
    key.startsWith('django-insecure-')
  );
}

function hasMiddleware(context: DeployContext, name: string): boolean {
  if (!context.middleware) return true;
  return context.middleware.some((item) => (typeof item === 'string' ? item : item.name) === name);
}

const warn = (id: string, message: string, hint?: string): Finding => ({
  id,
  level: 'warning',
  message,
  ...(hint === undefined ? {} : { hint }),
});

/** Django's `check --deploy` checks, same ids and meaning (see the README for those that do not apply). */
export const djangoChecks: readonly Check[] = [
  (_s, context) =>
    hasMiddleware(context, 'securityMiddleware')
      ? []
      : [
          warn(
            'security.W001',
            'You do not have securityMiddleware in your middleware, so the SECURE_HSTS_SECONDS, SECURE_CONTENT_TYPE_NOSNIFF, SECURE_REFERRER_POLICY, SECURE_CROSS_ORIGIN_OPENER_POLICY, X_FRAME_OPTIONS and SECURE_SSL_REDIRECT settings will have no effect.',
            'Add securityMiddleware(settings) as the outermost middleware.',
          ),
        ],
  (_s, context) =>
    hasMiddleware(context, 'csrfMiddleware')
      ? []
      : [
          warn(
            'security.W003',
            'You do not have csrfMiddleware in your middleware, so your site is not protected against cross-site request forgery.',
            'Add csrfMiddleware(settings), or silence security.W003 if the app has no cookie-authenticated unsafe requests.',
          ),
        ],
  (s, context) =>
    !hasMiddleware(context, 'securityMiddleware') || s.SECURE_HSTS_SECONDS
      ? []
      : [
          warn(
            'security.W004',
            'You have not set a value for the SECURE_HSTS_SECONDS setting. If your entire site is served only over SSL, you may want to consider setting a value and enabling HTTP Strict Transport Security.',
            'Read about HSTS first: enabling it carelessly can cause serious, irreversible problems. Start with SECURE_HSTS_SECONDS=3600.',
          ),
        ],
  (s, context) =>
    !hasMiddleware(context, 'securityMiddleware') || !s.SECURE_HSTS_SECONDS || s.SECURE_HSTS_INCLUDE_SUBDOMAINS === true
      ? []
      : [
          warn(
            'security.W005',
            'You have not set the SECURE_HSTS_INCLUDE_SUBDOMAINS setting to true. Without this, your site is potentially vulnerable to attack via an insecure connection to a subdomain.',
            'Set SECURE_HSTS_INCLUDE_SUBDOMAINS=true only if every subdomain is served over HTTPS.',
          ),
        ],
  (s, context) =>
    !hasMiddleware(context, 'securityMiddleware') || s.SECURE_CONTENT_TYPE_NOSNIFF === true
      ? []
      : [
          warn(
            'security.W006',
            "Your SECURE_CONTENT_TYPE_NOSNIFF setting is not set to true, so your pages will not be served with an 'X-Content-Type-Options: nosniff' header.",
            'Set SECURE_CONTENT_TYPE_NOSNIFF=true.',
          ),
        ],
  (s, context) =>
    !hasMiddleware(context, 'securityMiddleware') || s.SECURE_SSL_REDIRECT === true
      ? []
      : [
          warn(
            'security.W008',
            'Your SECURE_SSL_REDIRECT setting is not set to true. Unless your site should be available over both SSL and non-SSL connections, you may want to either set this setting true or configure a load balancer or reverse proxy to redirect all connections to HTTPS.',
            'Set SECURE_SSL_REDIRECT=true (and SECURE_PROXY_SSL_HEADER behind a TLS-terminating proxy), or silence security.W008 if the proxy redirects.',
          ),
        ],
  (s) =>
    isWeakSecretKey(s.SECRET_KEY)
      ? [
          warn(
            'security.W009',
            `Your SECRET_KEY has less than ${SECRET_KEY_MIN_LENGTH} characters, less than ${SECRET_KEY_MIN_UNIQUE_CHARACTERS} unique characters, or it's prefixed with 'django-insecure-'. Many security-critical features will be vulnerable to attack.`,
            `Generate one: node -e "console.log(require('node:crypto').randomBytes(48).toString('base64url'))"`,
          ),
        ]
      : [],
  (s) =>
    s.SESSION_COOKIE_SECURE === true
      ? []
      : [
          warn(
            'security.W010',
            'You have not set SESSION_COOKIE_SECURE to true. Using a secure-only session cookie makes it more difficult for network traffic sniffers to hijack user sessions.',
            'Set SESSION_COOKIE_SECURE=true.',
          ),
        ],
  (s) =>
    s.SESSION_COOKIE_HTTPONLY === true
      ? []
      : [
          warn(
            'security.W013',
            'You have not set SESSION_COOKIE_HTTPONLY to true. Using an HttpOnly session cookie makes it more difficult for cross-site scripting attacks to hijack user sessions.',
            'Set SESSION_COOKIE_HTTPONLY=true.',
          ),
        ],
  // security.W016 (CSRF_COOKIE_SECURE) is left out on purpose: csrfMiddleware sets no cookie (see the README).
  (s) =>
    s.DEBUG
      ? [
          warn(
            'security.W018',
            'You should not have DEBUG set to true in deployment.',
            'Set DEBUG=false (or leave it unset).',
          ),
        ]
      : [],
  (s, context) =>
    !hasMiddleware(context, 'securityMiddleware') || s.X_FRAME_OPTIONS === 'DENY'
      ? []
      : [
          warn(
            'security.W019',
            "X_FRAME_OPTIONS is not set to 'DENY'. Unless there is a good reason for your site to serve other parts of itself in a frame, you should change it to 'DENY'.",
            'Set X_FRAME_OPTIONS=DENY.',
          ),
        ],
  (s) =>
    s.ALLOWED_HOSTS.length > 0
      ? []
      : [
          warn(
            'security.W020',
            'ALLOWED_HOSTS must not be empty in deployment.',
            'Set ALLOWED_HOSTS=example.com,.example.org (a leading dot matches subdomains).',
          ),
        ],
  (s, context) =>
    !hasMiddleware(context, 'securityMiddleware') || !s.SECURE_HSTS_SECONDS || s.SECURE_HSTS_PRELOAD === true
      ? []
      : [
          warn(
            'security.W021',
            'You have not set the SECURE_HSTS_PRELOAD setting to true. Without this, your site cannot be submitted to the browser preload list.',
            'Set SECURE_HSTS_PRELOAD=true once HSTS has run safely for a while.',
          ),
        ],
  (s, context) => {
    if (!hasMiddleware(context, 'securityMiddleware')) return [];
    const policy = s.SECURE_REFERRER_POLICY;
    if (policy === null) {
      return [
        warn(
          'security.W022',
          'You have not set the SECURE_REFERRER_POLICY setting. Without this, your site will not send a Referrer-Policy header.',
          'Set SECURE_REFERRER_POLICY=same-origin (the default).',
        ),
      ];
    }
    // As Django: a string is split on commas and trimmed, a list taken as is; every value must be valid ('' is not).
    const values = typeof policy === 'string' ? policy.split(',').map((v) => v.trim()) : [...policy];
    const bad = [...new Set(values.filter((v) => !(REFERRER_POLICY_VALUES as readonly string[]).includes(v)))];
    return bad.length === 0
      ? []
      : [
          {
            id: 'security.E023',
            level: 'error',
            message: `You have set the SECURE_REFERRER_POLICY setting to an invalid value (${bad.map((v) => JSON.stringify(v)).join(', ')}).`,
            hint: `Valid values are: ${[...REFERRER_POLICY_VALUES].sort().join(', ')}.`,
          },
        ];
  },
  (s, context) =>
    !hasMiddleware(context, 'securityMiddleware') ||
    s.SECURE_CROSS_ORIGIN_OPENER_POLICY === null ||
    (COOP_VALUES as readonly string[]).includes(s.SECURE_CROSS_ORIGIN_OPENER_POLICY)
      ? []
      : [
          {
            id: 'security.E024',
            level: 'error',
            message: 'You have set the SECURE_CROSS_ORIGIN_OPENER_POLICY setting to an invalid value.',
            hint: `Valid values are: ${[...COOP_VALUES].sort().join(', ')}.`,
          },
        ],
  (s) =>
    s.SECRET_KEY_FALLBACKS.flatMap((key, index) =>
      isWeakSecretKey(key)
        ? [
            warn(
              'security.W025',
              `Your SECRET_KEY_FALLBACKS[${index}] has less than ${SECRET_KEY_MIN_LENGTH} characters, less than ${SECRET_KEY_MIN_UNIQUE_CHARACTERS} unique characters, or it's prefixed with 'django-insecure-'.`,
              'Remove weak keys from SECRET_KEY_FALLBACKS once sessions signed with them have expired.',
            ),
          ]
        : [],
    ),
  (s) =>
    s.CSRF_TRUSTED_ORIGINS.filter((origin) => !/^[a-z][a-z0-9+.-]*:\/\//i.test(origin)).map((origin) => ({
      id: '4_0.E001',
      level: 'error' as const,
      message: `As of Django 4.0, the values in the CSRF_TRUSTED_ORIGINS setting must start with a scheme (usually http:// or https://) but found ${origin}.`,
      hint: 'Write https://example.com, not example.com.',
    })),
];
