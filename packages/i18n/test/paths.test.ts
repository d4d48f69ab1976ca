import { describe, expect, it } from 'vitest';
import { createI18n, I18nError, languageInfo, localizePath } from '../src/index.js';

const i18n = createI18n({ locales: ['en', 'pt-BR', 'ar'], defaultLocale: 'en', messages: { en: {} } });

describe('localizePath', () => {
  it('replaces or adds the locale prefix, keeping query and hash', () => {
    expect(localizePath(i18n, '/en/cart?x=1#top', 'pt-BR')).toBe('/pt-br/cart?x=1#top');
    expect(localizePath(i18n, '/cart', 'pt-br')).toBe('/pt-br/cart');
    expect(localizePath(i18n, '/PT-BR/', 'en')).toBe('/en/');
    expect(localizePath(i18n, '/pt-br', 'en')).toBe('/en');
    expect(localizePath(i18n, '/', 'pt-BR')).toBe('/pt-br/');
  });

  it('leaves the default locale unprefixed when asked', () => {
    const options = { prefixDefaultLocale: false };
    expect(localizePath(i18n, '/pt-br/cart', 'en', options)).toBe('/cart');
    expect(localizePath(i18n, '/pt-br', 'en', options)).toBe('/');
    expect(localizePath(i18n, '/pt-br?q=1', 'en', options)).toBe('/?q=1');
  });

  it('rejects an unknown locale and a relative path', () => {
    expect(() => localizePath(i18n, '/x', 'fr')).toThrow(
      new I18nError('ERR_UNKNOWN_LOCALE', 'Expected `locale` to be a supported locale, got `fr` (string)'),
    );
    expect(() => localizePath(i18n, 'x', 'en')).toThrow(/Expected `path` to start with `\/`/);
  });
});

describe('languageInfo', () => {
  it('names each locale in English, in itself and in the active locale', () => {
    const info = i18n.withLocale('pt-BR', () => languageInfo(i18n));
    expect(
      info.map(({ code, name, nameLocal, nameTranslated, bidi }) => [code, name, nameLocal, nameTranslated, bidi]),
    ).toEqual([
      ['en', 'English', 'English', 'inglês', false],
      ['pt-BR', 'Brazilian Portuguese', 'português (Brasil)', 'português (Brasil)', false],
      ['ar', 'Arabic', 'العربية', 'árabe', true],
    ]);
  });
});
