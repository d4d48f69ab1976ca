import { describe, expect, it } from 'vitest';
import { createI18n, I18nError } from '../src/index.js';

const en = { hello: 'Hello' };

describe('createI18n option validation', () => {
  const cases: [string, unknown, string][] = [
    [
      'locales empty',
      { locales: [], defaultLocale: 'en', messages: { en } },
      'Expected `locales` to be a non-empty array of locale tags, got `[]` (array)',
    ],
    [
      'locales not tags',
      { locales: ['en', 'not a tag!'], defaultLocale: 'en', messages: { en } },
      'Expected `locales[]` to be a BCP 47 locale tag, got `not a tag!` (string)',
    ],
    [
      'default outside locales',
      { locales: ['en'], defaultLocale: 'fr', messages: { en } },
      'Expected `defaultLocale` to be one of `locales` (en), got `fr` (string)',
    ],
    [
      'no default catalog',
      { locales: ['en'], defaultLocale: 'en', messages: {} },
      'Expected `messages` to have a catalog for the default locale `en`, or a `loadMessages` function',
    ],
    [
      'bad time zone',
      { locales: ['en'], defaultLocale: 'en', messages: { en }, timeZone: 'Nowhere/City' },
      'Expected `timeZone` to be an IANA time zone, got `Nowhere/City` (string)',
    ],
    [
      'bad loader',
      { locales: ['en'], defaultLocale: 'en', loadMessages: 'x' },
      'Expected `loadMessages` to be a function, got `x` (string)',
    ],
    [
      'bad fallback',
      { locales: ['en'], defaultLocale: 'en', messages: { en }, fallback: { en: 'pt' } },
      'Expected `fallback.en` to be an array, got `pt` (string)',
    ],
    ['not an object', null, 'Expected `options` to be an object, got `null` (null)'],
  ];
  for (const [name, options, message] of cases) {
    it(`rejects ${name}`, () => {
      expect(() => createI18n(options as never)).toThrow(new I18nError('ERR_INVALID_OPTION', message));
    });
  }

  it('canonicalizes locale tags', () => {
    const i18n = createI18n({ locales: ['EN', 'pt-br'], defaultLocale: 'en' as string, messages: { en } });
    expect(i18n.locales).toEqual(['en', 'pt-BR']);
    expect(i18n.defaultLocale).toBe('en');
    expect(i18n.resolveLocale('PT-BR')).toBe('pt-BR');
    expect(i18n.resolveLocale('pt')).toBeUndefined();
  });
});

describe('loadMessages', () => {
  it('loads and validates a locale on first use, once', async () => {
    const calls: string[] = [];
    const i18n = createI18n({
      locales: ['en', 'pt-BR'],
      defaultLocale: 'en',
      loadMessages: async (locale) => {
        calls.push(locale);
        return locale === 'en' ? { hello: 'Hello' } : { hello: 'Olá' };
      },
    });
    expect(i18n.isLoaded('pt-BR')).toBe(false);
    await Promise.all([i18n.load('pt-BR'), i18n.load('pt-BR')]);
    expect(i18n.isLoaded('pt-BR')).toBe(true);
    expect(calls.sort()).toEqual(['en', 'pt-BR']);
    expect(i18n.withLocale('pt-BR', () => i18n.t('hello'))).toBe('Olá');
  });

  it('wraps a loader failure and a bad catalog in typed errors', async () => {
    const failing = createI18n({
      locales: ['en'],
      defaultLocale: 'en',
      loadMessages: () => {
        throw new Error('ENOENT');
      },
    });
    await expect(failing.load('en')).rejects.toMatchObject({
      code: 'ERR_LOAD_FAILED',
      message: 'Could not load the catalog of `en`: ENOENT',
    });
    const bad = createI18n({ locales: ['en'], defaultLocale: 'en', loadMessages: () => ({ hello: '{' }) });
    await expect(bad.load('en')).rejects.toMatchObject({ code: 'ERR_INVALID_CATALOG' });
  });
});

describe('options: one shape for every function (unknown keys, explicit undefined)', async () => {
  const { Liquid } = await import('liquidjs');
  const { localeMiddleware, localizePath, setLanguage } = await import('../src/index.js');
  const { registerI18n } = await import('../src/liquid.js');
  const { catalogToPo, mergeCatalog, parsePo, poToCatalog } = await import('../src/tools.js');
  const i18n = createI18n({
    locales: ['en', 'pt-BR'],
    defaultLocale: 'en',
    messages: { en: { hello: 'Hello, {name}!' }, 'pt-BR': { hello: 'Olá, {name}!' } },
  });

  /** The shared adv message, with the package's own error class and code. */
  const refused = (fn: () => unknown, name: string, key: string, meant: string): void => {
    let caught: unknown;
    try {
      fn();
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(I18nError);
    expect((caught as I18nError).code).toBe('ERR_INVALID_OPTION');
    const message = (caught as I18nError).message;
    expect(
      message.startsWith(`Unknown option \`${key}\` of \`${name}()\`; did you mean \`${meant}\`? Valid options: `),
    ).toBe(true);
  };

  it('createI18n', () => {
    refused(
      () => createI18n({ locales: ['en'], defaultLocale: 'en', messages: { en }, timezone: 'UTC' } as never),
      'createI18n',
      'timezone',
      'timeZone',
    );
    const plain = createI18n({ locales: ['en'], defaultLocale: 'en', messages: { en }, timeZone: undefined });
    // The default time zone (UTC) is kept.
    expect(plain.formatTime(Date.UTC(2020, 0, 1, 13, 5), { hour: 'numeric', minute: '2-digit' })).toBe('1:05 PM');
  });

  it('withLocale and activate (checked per call, cheaply)', () => {
    refused(() => i18n.withLocale('en', () => 1, { timezone: 'UTC' } as never), 'withLocale', 'timezone', 'timeZone');
    refused(() => i18n.activate('en', { TimeZone: 'UTC' } as never), 'activate', 'TimeZone', 'timeZone');
    const time = i18n.withLocale('pt-BR', () => i18n.formatTime(Date.UTC(2020, 0, 1, 13, 5)), { timeZone: undefined });
    expect(time).toBe('13:05');
  });

  it('localeMiddleware', async () => {
    refused(() => localeMiddleware({ i18n, cookei: 'x' } as never), 'localeMiddleware', 'cookei', 'cookie');
    // `cookie: undefined` keeps the `lang` cookie (a spread would have turned cookies off... or crashed).
    const middleware = localeMiddleware({ i18n, cookie: undefined, prefix: undefined, acceptLanguage: undefined });
    const response = await middleware(
      new Request('http://x/', { headers: { cookie: 'lang=pt-BR' } }),
      async () => new Response(i18n.getLocale()),
    );
    expect(await response.text()).toBe('pt-BR');
    expect(response.headers.get('Vary')).toBe('Accept-Language, Cookie');
  });

  it('setLanguage', async () => {
    refused(() => setLanguage({ i18n, maxage: 60 } as never), 'setLanguage', 'maxage', 'maxAge');
    const handler = setLanguage({ i18n, cookie: undefined, maxAge: undefined, maxBodySize: undefined });
    const response = await handler(
      new Request('http://shop.test/i18n/setlang', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: 'language=pt-BR&next=/',
      }),
    );
    expect(response.headers.get('Set-Cookie')).toBe('lang=pt-BR; Path=/; Max-Age=31536000; SameSite=Lax');
  });

  it('registerI18n', async () => {
    refused(
      () => registerI18n(new Liquid(), i18n, { escapeValue: true } as never),
      'registerI18n',
      'escapeValue',
      'escapeValues',
    );
    const escaping = new Liquid({ outputEscape: 'escape' });
    registerI18n(escaping, i18n, { escapeValues: undefined });
    expect(await escaping.parseAndRender('{% trans "hello" name: name %}', { name: '<b>' })).toBe('Hello, &lt;b&gt;!');
  });

  it('localizePath', () => {
    refused(
      () => localizePath(i18n, '/cart', 'en', { prefixDefaultLocal: false } as never),
      'localizePath',
      'prefixDefaultLocal',
      'prefixDefaultLocale',
    );
    expect(localizePath(i18n, '/pt-br/cart', 'en', { prefixDefaultLocale: undefined })).toBe('/en/cart');
  });

  it('poToCatalog and catalogToPo', () => {
    const entries = parsePo('msgid "Yes"\nmsgstr "Sim"\n');
    refused(
      () => poToCatalog(entries, 'pt-BR', { pluralform: 'x' } as never),
      'poToCatalog',
      'pluralform',
      'pluralForms',
    );
    expect(poToCatalog(entries, 'pt-BR', { pluralForms: undefined }).catalog).toEqual({ Yes: 'Sim' });
    refused(
      () => catalogToPo({ Yes: 'Sim' }, { locale: 'pt-BR', refrence: {} } as never),
      'catalogToPo',
      'refrence',
      'reference',
    );
    const bytes = catalogToPo({ Yes: 'Sim' }, { locale: 'pt-BR', reference: undefined });
    expect(new TextDecoder().decode(bytes)).toContain('msgstr "Sim"');
  });

  it('mergeCatalog', () => {
    refused(
      () => mergeCatalog({ old: 'x' }, [], { isDefault: true, prun: true } as never),
      'mergeCatalog',
      'prun',
      'prune',
    );
    // `prune: undefined` keeps obsolete ids (not pruned).
    expect(mergeCatalog({ old: 'x' }, [], { isDefault: true, prune: undefined }).catalog).toEqual({ '#~ old': 'x' });
  });

  it('formatters pass Intl options through: Intl names are not refused', () => {
    expect(i18n.formatNumber(0.5, { style: 'percent', maximumFractionDigits: 0 })).toBe('50%');
  });
});
