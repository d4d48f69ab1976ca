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
