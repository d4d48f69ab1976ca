// Django's own deploy-check cases, ported: every test of django/django
// `tests/check_framework/test_security.py` (Django 5.x) whose check id we implement, and the two
// of `tests/check_framework/test_4_0_compatibility.py` (4_0.E001), with its
// settings mapped to ours and Django's expected result. Where we differ on purpose, the case
// says what Django answers, what we answer and why (the README's "Compatibility" table lists
// the same). The extra cases at the end were run through Django 5.2 itself (`check_*(None)`
// under `override_settings`) to get the expected ids.
//
// Mapping: MIDDLEWARE ⟶ `context.middleware` (SecurityMiddleware ⟶ securityMiddleware,
// CsrfViewMiddleware ⟶ csrfMiddleware, XFrameOptionsMiddleware ⟶ securityMiddleware, which
// sets X-Frame-Options); INSTALLED_APPS has no counterpart; Python's None ⟶ null; a setting
// Django deletes ⟶ one left out (our defaults then apply, as Django's global_settings would).
import { describe, expect, it } from 'vitest';
import { checkDeploy, type SecuritySettings } from '../src/index.js';

const SECURITY = 'securityMiddleware';
const CSRF = 'csrfMiddleware';
const XFRAME = SECURITY;
const KEY_50 = `${'abcdefghijklmnopqrstuvwx'.repeat(2)}ab`; // 50 characters, 24 distinct
const KEY_49 = `${'abcdefghijklmnopqrstuvwx'.repeat(2)}a`;
const RANDOM_KEY = 'k2#x9(v+0q=n!7r@m4-t$w8^z1*p_s6&y3)b5%c0e!f9g8h7i'; // like get_random_secret_key()

interface Case {
  /** Django's test class and method. */
  test: string;
  /** The check ids the Django test's function can return (we filter our findings to those). */
  ids: readonly string[];
  settings: Record<string, unknown>;
  middleware: readonly string[];
  /** What Django returns. */
  django: readonly string[];
  /** What we return when it differs on purpose, and why. */
  ours?: { ids: readonly string[]; why: string };
}

const W010_ONLY = 'Node has no INSTALLED_APPS / SessionMiddleware to tell apart: the one meaning is reported as W010';
const W013_ONLY = 'Node has no INSTALLED_APPS / SessionMiddleware to tell apart: the one meaning is reported as W013';
const NO_CSRF_COOKIE = 'csrfMiddleware checks Origin/Referer and sets no CSRF cookie, so there is no cookie to secure';
const XFRAME_IN_SECURITY = 'securityMiddleware sets X-Frame-Options itself; its absence is W001';
const ALWAYS_A_DEFAULT = 'settings always carry a default ([]): an absent SECRET_KEY_FALLBACKS is an empty one';

const W025 = (i: number) => `security.W025[${i}]`;

export const DJANGO_SECURITY_CASES: readonly Case[] = [
  // CheckSessionCookieSecureTest
  ...(
    [
      ['test_session_cookie_secure_with_installed_app', false, ['security.W010']],
      ['test_session_cookie_secure_with_installed_app_truthy', '1', ['security.W010']],
    ] as const
  ).map(
    ([name, value, django]): Case => ({
      test: `CheckSessionCookieSecureTest.${name}`,
      ids: ['security.W010', 'security.W011', 'security.W012'],
      settings: { SESSION_COOKIE_SECURE: value },
      middleware: [],
      django,
    }),
  ),
  {
    test: 'CheckSessionCookieSecureTest.test_session_cookie_secure_with_middleware',
    ids: ['security.W010', 'security.W011', 'security.W012'],
    settings: { SESSION_COOKIE_SECURE: false },
    middleware: ['SessionMiddleware'],
    django: ['security.W011'],
    ours: { ids: ['security.W010'], why: W010_ONLY },
  },
  {
    test: 'CheckSessionCookieSecureTest.test_session_cookie_secure_both',
    ids: ['security.W010', 'security.W011', 'security.W012'],
    settings: { SESSION_COOKIE_SECURE: false },
    middleware: ['SessionMiddleware'],
    django: ['security.W012'],
    ours: { ids: ['security.W010'], why: W010_ONLY },
  },
  {
    test: 'CheckSessionCookieSecureTest.test_session_cookie_secure_true',
    ids: ['security.W010', 'security.W011', 'security.W012'],
    settings: { SESSION_COOKIE_SECURE: true },
    middleware: ['SessionMiddleware'],
    django: [],
  },
  // CheckSessionCookieHttpOnlyTest
  {
    test: 'CheckSessionCookieHttpOnlyTest.test_session_cookie_httponly_with_installed_app',
    ids: ['security.W013', 'security.W014', 'security.W015'],
    settings: { SESSION_COOKIE_HTTPONLY: false },
    middleware: [],
    django: ['security.W013'],
  },
  {
    test: 'CheckSessionCookieHttpOnlyTest.test_session_cookie_httponly_with_installed_app_truthy',
    ids: ['security.W013', 'security.W014', 'security.W015'],
    settings: { SESSION_COOKIE_HTTPONLY: '1' },
    middleware: [],
    django: ['security.W013'],
  },
  {
    test: 'CheckSessionCookieHttpOnlyTest.test_session_cookie_httponly_with_middleware',
    ids: ['security.W013', 'security.W014', 'security.W015'],
    settings: { SESSION_COOKIE_HTTPONLY: false },
    middleware: ['SessionMiddleware'],
    django: ['security.W014'],
    ours: { ids: ['security.W013'], why: W013_ONLY },
  },
  {
    test: 'CheckSessionCookieHttpOnlyTest.test_session_cookie_httponly_both',
    ids: ['security.W013', 'security.W014', 'security.W015'],
    settings: { SESSION_COOKIE_HTTPONLY: false },
    middleware: ['SessionMiddleware'],
    django: ['security.W015'],
    ours: { ids: ['security.W013'], why: W013_ONLY },
  },
  {
    test: 'CheckSessionCookieHttpOnlyTest.test_session_cookie_httponly_true',
    ids: ['security.W013', 'security.W014', 'security.W015'],
    settings: { SESSION_COOKIE_HTTPONLY: true },
    middleware: ['SessionMiddleware'],
    django: [],
  },
  // CheckCSRFMiddlewareTest
  {
    test: 'CheckCSRFMiddlewareTest.test_no_csrf_middleware',
    ids: ['security.W003'],
    settings: {},
    middleware: [],
    django: ['security.W003'],
  },
  {
    test: 'CheckCSRFMiddlewareTest.test_with_csrf_middleware',
    ids: ['security.W003'],
    settings: {},
    middleware: [CSRF],
    django: [],
  },
  // CheckCSRFCookieSecureTest (CSRF_COOKIE_SECURE is not one of our settings: passed untyped, ignored)
  {
    test: 'CheckCSRFCookieSecureTest.test_with_csrf_cookie_secure_false',
    ids: ['security.W016'],
    settings: { CSRF_COOKIE_SECURE: false },
    middleware: [CSRF],
    django: ['security.W016'],
    ours: { ids: [], why: NO_CSRF_COOKIE },
  },
  {
    test: 'CheckCSRFCookieSecureTest.test_with_csrf_cookie_secure_truthy',
    ids: ['security.W016'],
    settings: { CSRF_COOKIE_SECURE: '1' },
    middleware: [CSRF],
    django: ['security.W016'],
    ours: { ids: [], why: NO_CSRF_COOKIE },
  },
  {
    test: 'CheckCSRFCookieSecureTest.test_use_sessions_with_csrf_cookie_secure_false',
    ids: ['security.W016'],
    settings: { CSRF_COOKIE_SECURE: false }, // CSRF_USE_SESSIONS=True: no CSRF cookie, as ours
    middleware: [CSRF],
    django: [],
  },
  {
    test: 'CheckCSRFCookieSecureTest.test_with_csrf_cookie_secure_false_no_middleware',
    ids: ['security.W016'],
    settings: { CSRF_COOKIE_SECURE: false },
    middleware: [],
    django: [],
  },
  {
    test: 'CheckCSRFCookieSecureTest.test_with_csrf_cookie_secure_true',
    ids: ['security.W016'],
    settings: { CSRF_COOKIE_SECURE: true },
    middleware: [CSRF],
    django: [],
  },
  // CheckSecurityMiddlewareTest
  {
    test: 'CheckSecurityMiddlewareTest.test_no_security_middleware',
    ids: ['security.W001'],
    settings: {},
    middleware: [],
    django: ['security.W001'],
  },
  {
    test: 'CheckSecurityMiddlewareTest.test_with_security_middleware',
    ids: ['security.W001'],
    settings: {},
    middleware: [SECURITY],
    django: [],
  },
  // CheckStrictTransportSecurityTest
  ...(
    [
      ['test_no_sts', [SECURITY], { SECURE_HSTS_SECONDS: 0 }, ['security.W004']],
      ['test_no_sts_no_middleware', [], { SECURE_HSTS_SECONDS: 0 }, []],
      ['test_with_sts', [SECURITY], { SECURE_HSTS_SECONDS: 3600 }, []],
    ] as const
  ).map(
    ([name, middleware, settings, django]): Case => ({
      test: `CheckStrictTransportSecurityTest.${name}`,
      ids: ['security.W004'],
      settings,
      middleware,
      django,
    }),
  ),
  // CheckStrictTransportSecuritySubdomainsTest
  ...(
    [
      [
        'test_no_sts_subdomains',
        [SECURITY],
        { SECURE_HSTS_INCLUDE_SUBDOMAINS: false, SECURE_HSTS_SECONDS: 3600 },
        ['security.W005'],
      ],
      [
        'test_no_sts_subdomains_no_middleware',
        [],
        { SECURE_HSTS_INCLUDE_SUBDOMAINS: false, SECURE_HSTS_SECONDS: 3600 },
        [],
      ],
      ['test_no_sts_subdomains_no_seconds', [SECURITY], { SECURE_SSL_REDIRECT: false, SECURE_HSTS_SECONDS: null }, []],
      ['test_with_sts_subdomains', [SECURITY], { SECURE_HSTS_INCLUDE_SUBDOMAINS: true, SECURE_HSTS_SECONDS: 3600 }, []],
    ] as const
  ).map(
    ([name, middleware, settings, django]): Case => ({
      test: `CheckStrictTransportSecuritySubdomainsTest.${name}`,
      ids: ['security.W005'],
      settings,
      middleware,
      django,
    }),
  ),
  // CheckStrictTransportSecurityPreloadTest
  ...(
    [
      ['test_no_sts_preload', [SECURITY], { SECURE_HSTS_PRELOAD: false, SECURE_HSTS_SECONDS: 3600 }, ['security.W021']],
      ['test_no_sts_preload_no_middleware', [], { SECURE_HSTS_PRELOAD: false, SECURE_HSTS_SECONDS: 3600 }, []],
      ['test_no_sts_preload_no_seconds', [SECURITY], { SECURE_SSL_REDIRECT: false, SECURE_HSTS_SECONDS: null }, []],
      ['test_with_sts_preload', [SECURITY], { SECURE_HSTS_PRELOAD: true, SECURE_HSTS_SECONDS: 3600 }, []],
    ] as const
  ).map(
    ([name, middleware, settings, django]): Case => ({
      test: `CheckStrictTransportSecurityPreloadTest.${name}`,
      ids: ['security.W021'],
      settings,
      middleware,
      django,
    }),
  ),
  // CheckXFrameOptionsMiddlewareTest
  {
    test: 'CheckXFrameOptionsMiddlewareTest.test_middleware_not_installed',
    ids: ['security.W002'],
    settings: {},
    middleware: [],
    django: ['security.W002'],
    ours: { ids: [], why: XFRAME_IN_SECURITY },
  },
  {
    test: 'CheckXFrameOptionsMiddlewareTest.test_middleware_installed',
    ids: ['security.W002'],
    settings: {},
    middleware: [XFRAME],
    django: [],
  },
  // CheckXFrameOptionsDenyTest
  ...(
    [
      ['test_x_frame_options_not_deny', [XFRAME], 'SAMEORIGIN', ['security.W019']],
      ['test_middleware_not_installed', [], 'SAMEORIGIN', []],
      ['test_xframe_deny', [XFRAME], 'DENY', []],
    ] as const
  ).map(
    ([name, middleware, value, django]): Case => ({
      test: `CheckXFrameOptionsDenyTest.${name}`,
      ids: ['security.W019'],
      settings: { X_FRAME_OPTIONS: value },
      middleware,
      django,
    }),
  ),
  // CheckContentTypeNosniffTest
  ...(
    [
      ['test_no_content_type_nosniff', [SECURITY], false, ['security.W006']],
      ['test_no_content_type_nosniff_no_middleware', [], false, []],
      ['test_with_content_type_nosniff', [SECURITY], true, []],
    ] as const
  ).map(
    ([name, middleware, value, django]): Case => ({
      test: `CheckContentTypeNosniffTest.${name}`,
      ids: ['security.W006'],
      settings: { SECURE_CONTENT_TYPE_NOSNIFF: value },
      middleware,
      django,
    }),
  ),
  // CheckSSLRedirectTest
  ...(
    [
      ['test_no_ssl_redirect', [SECURITY], false, ['security.W008']],
      ['test_no_ssl_redirect_no_middleware', [], false, []],
      ['test_with_ssl_redirect', [SECURITY], true, []],
    ] as const
  ).map(
    ([name, middleware, value, django]): Case => ({
      test: `CheckSSLRedirectTest.${name}`,
      ids: ['security.W008'],
      settings: { SECURE_SSL_REDIRECT: value },
      middleware,
      django,
    }),
  ),
  // CheckSecretKeyTest
  ...(
    [
      ['test_okay_secret_key', { SECRET_KEY: KEY_50 }, []],
      ['test_empty_secret_key', { SECRET_KEY: '' }, ['security.W009']],
      ['test_missing_secret_key', {}, ['security.W009']],
      ['test_none_secret_key', { SECRET_KEY: null }, ['security.W009']],
      ['test_insecure_secret_key', { SECRET_KEY: `django-insecure-${RANDOM_KEY}` }, ['security.W009']],
      ['test_low_length_secret_key', { SECRET_KEY: KEY_49 }, ['security.W009']],
      ['test_low_entropy_secret_key', { SECRET_KEY: 'abcd'.repeat(20) }, ['security.W009']],
    ] as const
  ).map(
    ([name, settings, django]): Case => ({
      test: `CheckSecretKeyTest.${name}`,
      ids: ['security.W009'],
      settings,
      middleware: [SECURITY, CSRF],
      django,
    }),
  ),
  // CheckSecretKeyFallbacksTest (ids carry the index: security.W025[i], from the message)
  ...(
    [
      ['test_okay_secret_key_fallbacks', [KEY_50], [], undefined],
      ['test_no_secret_key_fallbacks', undefined, ['security.W025'], { ids: [], why: ALWAYS_A_DEFAULT }],
      ['test_insecure_secret_key_fallbacks', [`django-insecure-${RANDOM_KEY}`], [W025(0)], undefined],
      ['test_low_length_secret_key_fallbacks', [KEY_49], [W025(0)], undefined],
      ['test_low_entropy_secret_key_fallbacks', ['abcd'.repeat(20)], [W025(0)], undefined],
      ['test_multiple_keys', [KEY_50, 'badkey'], [W025(1)], undefined],
      ['test_multiple_bad_keys', [KEY_50, 'badkey1', 'badkey2'], [W025(1), W025(2)], undefined],
    ] as const
  ).map(
    ([name, fallbacks, django, ours]): Case => ({
      test: `CheckSecretKeyFallbacksTest.${name}`,
      ids: ['security.W025'],
      settings: fallbacks === undefined ? {} : { SECRET_KEY_FALLBACKS: fallbacks },
      middleware: [SECURITY, CSRF],
      django,
      ...(ours ? { ours } : {}),
    }),
  ),
  // CheckDebugTest
  ...(
    [
      ['test_debug_true', true, ['security.W018']],
      ['test_debug_false', false, []],
    ] as const
  ).map(
    ([name, value, django]): Case => ({
      test: `CheckDebugTest.${name}`,
      ids: ['security.W018'],
      settings: { DEBUG: value },
      middleware: [SECURITY, CSRF],
      django,
    }),
  ),
  // CheckAllowedHostsTest
  ...(
    [
      ['test_allowed_hosts_empty', [], ['security.W020']],
      ['test_allowed_hosts_set', ['.example.com'], []],
    ] as const
  ).map(
    ([name, value, django]): Case => ({
      test: `CheckAllowedHostsTest.${name}`,
      ids: ['security.W020'],
      settings: { ALLOWED_HOSTS: value },
      middleware: [SECURITY, CSRF],
      django,
    }),
  ),
  // CheckReferrerPolicyTest (test_with_referrer_policy: one case per subTest value)
  ...(
    [
      ['test_no_referrer_policy', [SECURITY], null, ['security.W022']],
      ['test_no_referrer_policy_no_middleware', [], null, []],
      ['test_with_referrer_policy', [SECURITY], 'strict-origin', []],
      ['test_with_referrer_policy', [SECURITY], 'strict-origin,origin', []],
      ['test_with_referrer_policy', [SECURITY], 'strict-origin, origin', []],
      ['test_with_referrer_policy', [SECURITY], ['strict-origin', 'origin'], []],
      ['test_with_referrer_policy', [SECURITY], ['strict-origin', 'origin'], []], // Python tuple ⟶ array too
      ['test_with_invalid_referrer_policy', [SECURITY], 'invalid-value', ['security.E023']],
    ] as const
  ).map(
    ([name, middleware, value, django]): Case => ({
      test: `CheckReferrerPolicyTest.${name}${typeof value === 'string' || value === null ? '' : ` (${JSON.stringify(value)})`}`,
      ids: ['security.W022', 'security.E023'],
      settings: { SECURE_REFERRER_POLICY: value },
      middleware,
      django,
    }),
  ),
  // CheckCrossOriginOpenerPolicyTest
  ...(
    [
      ['test_no_coop', null, []],
      ['test_with_coop', 'same-origin', []],
      ['test_with_coop', 'same-origin-allow-popups', []],
      ['test_with_coop', 'unsafe-none', []],
      ['test_with_invalid_coop', 'invalid-value', ['security.E024']],
    ] as const
  ).map(
    ([name, value, django]): Case => ({
      test: `CheckCrossOriginOpenerPolicyTest.${name}`,
      ids: ['security.E024'],
      settings: { SECURE_CROSS_ORIGIN_OPENER_POLICY: value },
      middleware: [SECURITY],
      django,
    }),
  ),
];

/** Django's `tests/check_framework/test_4_0_compatibility.py` (4_0.E001, one error per origin). */
export const DJANGO_4_0_CASES: readonly Case[] = [
  {
    test: 'CheckCSRFTrustedOrigins.test_invalid_url',
    ids: ['4_0.E001'],
    settings: { CSRF_TRUSTED_ORIGINS: ['example.com'] },
    middleware: [SECURITY, CSRF],
    django: ['4_0.E001'],
  },
  {
    test: 'CheckCSRFTrustedOrigins.test_valid_urls',
    ids: ['4_0.E001'],
    settings: { CSRF_TRUSTED_ORIGINS: ['http://example.com', 'https://example.com'] },
    middleware: [SECURITY, CSRF],
    django: [],
  },
];

/** Cases not in Django's tests, with the answer Django 5.2 gave when run on them. */
const EMOJI = '😀😃😄😁😆'; // 5 code points, 10 UTF-16 units
export const DJANGO_RUN_CASES: readonly Case[] = [
  ...(
    [
      ['45 characters, 70 UTF-16 units', `${EMOJI.repeat(5)}abcdefghijklmnopqrst`, ['security.W009']],
      ['50 emoji characters, 5 distinct', EMOJI.repeat(10), []],
      ['50 characters, 3 distinct', `ab${'😀'.repeat(48)}`, ['security.W009']],
      ['50 characters with combining accents (code points, not graphemes)', `abcd${'e\u0301'.repeat(23)}`, []],
    ] as const
  ).map(
    ([name, key, django]): Case => ({
      test: `check_secret_key: ${name}`,
      ids: ['security.W009'],
      settings: { SECRET_KEY: key },
      middleware: [SECURITY, CSRF],
      django,
    }),
  ),
  {
    test: 'check_secret_key_fallbacks: a 45-character emoji key',
    ids: ['security.W025'],
    settings: { SECRET_KEY_FALLBACKS: [`${EMOJI.repeat(5)}abcdefghijklmnopqrst`] },
    middleware: [],
    django: [W025(0)],
  },
  ...(
    [
      ["SECURE_REFERRER_POLICY=''", { SECURE_REFERRER_POLICY: '' }, ['security.E023']],
      ["SECURE_REFERRER_POLICY='same-origin,'", { SECURE_REFERRER_POLICY: 'same-origin,' }, ['security.E023']],
      ['SECURE_REFERRER_POLICY=[]', { SECURE_REFERRER_POLICY: [] }, []],
    ] as const
  ).map(
    ([name, settings, django]): Case => ({
      test: `check_referrer_policy: ${name}`,
      ids: ['security.W022', 'security.E023'],
      settings,
      middleware: [SECURITY],
      django,
    }),
  ),
  {
    test: "check_cross_origin_opener_policy: SECURE_CROSS_ORIGIN_OPENER_POLICY=''",
    ids: ['security.E024'],
    settings: { SECURE_CROSS_ORIGIN_OPENER_POLICY: '' },
    middleware: [SECURITY],
    django: ['security.E024'],
  },
];

/** Our findings for a case, filtered to the ids of the Django check it ports (W025 with its index). */
async function ours(c: Case): Promise<string[]> {
  const findings = await checkDeploy(c.settings as SecuritySettings, { middleware: c.middleware, backup: false });
  return findings
    .filter((f) => c.ids.includes(f.id))
    .map((f) => (f.id === 'security.W025' ? `${f.id}${/SECRET_KEY_FALLBACKS(\[\d+\])/.exec(f.message)?.[1]}` : f.id));
}

describe("Django's tests/check_framework/test_security.py, ported", () => {
  it.each(DJANGO_SECURITY_CASES.filter((c) => !c.ours).map((c) => [c.test, c] as const))(
    '%s: same as Django',
    async (_name, c) => {
      expect(await ours(c)).toEqual(c.django);
    },
  );
  it.each(DJANGO_SECURITY_CASES.filter((c) => c.ours).map((c) => [c.test, c] as const))(
    '%s: differs on purpose',
    async (_name, c) => {
      const got = await ours(c);
      expect(got).not.toEqual(c.django);
      expect(got).toEqual(c.ours?.ids);
    },
  );
});

describe("Django's tests/check_framework/test_4_0_compatibility.py, ported", () => {
  it.each(DJANGO_4_0_CASES.map((c) => [c.test, c] as const))('%s: same as Django', async (_name, c) => {
    expect(await ours(c)).toEqual(c.django);
  });
});

describe('cases run through Django 5.2 itself', () => {
  it.each(DJANGO_RUN_CASES.map((c) => [c.test, c] as const))('%s: same as Django', async (_name, c) => {
    expect(await ours(c)).toEqual(c.django);
  });
});

describe('the counts the README states', () => {
  it("ports 72 of Django's cases, 64 the same, 8 deliberate differences; 9 more cases run through Django", () => {
    expect(DJANGO_SECURITY_CASES.length).toBe(72);
    expect(DJANGO_SECURITY_CASES.filter((c) => c.ours).length).toBe(8);
    expect(DJANGO_RUN_CASES.length).toBe(9);
    expect(DJANGO_4_0_CASES.length).toBe(2);
  });
});
