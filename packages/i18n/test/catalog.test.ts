import { parse } from '@formatjs/icu-messageformat-parser';
import { describe, expect, it, vi } from 'vitest';
import {
  CATALOG_WARNING,
  CatalogError,
  compileMessage,
  createI18n,
  formatIssue,
  OBSOLETE_PREFIX,
  validateCatalog,
} from '../src/index.js';

const base = { hello: 'Hello, {name}!', items: '{count, plural, one {# item} other {# items}}', plain: 'Text' };

function catchError(fn: () => unknown): CatalogError {
  try {
    fn();
  } catch (error) {
    if (error instanceof CatalogError) return error;
    throw error;
  }
  throw new Error('expected a CatalogError');
}

describe('catalog validation at load', () => {
  it('reports a malformed message with file, key, locale and position', () => {
    const error = catchError(() =>
      createI18n({
        locales: ['en', 'pt-BR'],
        defaultLocale: 'en',
        messages: { en: base, 'pt-BR': { ...base, hello: 'Olá, {name' } },
        files: { 'pt-BR': 'locale/pt-BR.json' },
      }),
    );
    expect(error.code).toBe('ERR_INVALID_CATALOG');
    expect(error.issues).toEqual([
      {
        severity: 'error',
        locale: 'pt-BR',
        key: 'hello',
        file: 'locale/pt-BR.json',
        message: 'Malformed ICU message: EXPECT_ARGUMENT_CLOSING_BRACE at line 1, column 6',
      },
    ]);
    expect(error.message).toContain('locale/pt-BR.json: [pt-BR] "hello": Malformed ICU message');
  });

  it('reports an argument the default message does not have, and a kind mismatch', () => {
    const error = catchError(() =>
      createI18n({
        locales: ['en', 'pt-BR'],
        defaultLocale: 'en',
        messages: {
          en: base,
          'pt-BR': { ...base, hello: 'Olá, {nome}!', items: '{count, select, one {um} other {vários}}' },
        },
      }),
    );
    expect(error.issues.map(formatIssue)).toEqual([
      '[pt-BR] "hello": Uses argument {nome} that the default message (en) does not have',
      '[pt-BR] "items": Uses argument {count} as select, the default message (en) as plural',
    ]);
  });

  it('reports non-string values and a catalog that is not an object', () => {
    const nested = catchError(() =>
      createI18n({ locales: ['en'], defaultLocale: 'en', messages: { en: { a: { b: 'x' }, n: 3 } as never } }),
    );
    expect(nested.issues.map((issue) => issue.message)).toEqual([
      'Expected an ICU message string, got an object (nested catalogs are not supported: flatten keys as "a.b")',
      'Expected an ICU message string, got `3` (number)',
    ]);
    const array = catchError(() => createI18n({ locales: ['en'], defaultLocale: 'en', messages: { en: [] as never } }));
    expect(array.issues[0]).toMatchObject({ key: undefined, message: expect.stringContaining('got an array') });
  });

  it('logs missing translations and unknown ids as warnings, and throws them under strict', () => {
    const warn = vi.fn();
    const logger = { debug() {}, info() {}, warn, error() {} };
    const messages = { en: base, 'pt-BR': { hello: 'Olá, {name}!', extra: 'Extra', plain: '' } };
    createI18n({ locales: ['en', 'pt-BR'], defaultLocale: 'en', messages, logger });
    expect(warn).toHaveBeenCalledOnce();
    const text = String(warn.mock.calls[0]![0]);
    expect(text).toContain('[pt-BR] "extra": Not in the default catalog (en)');
    expect(text).toContain('[pt-BR] "items": Missing translation');
    expect(text).toContain('[pt-BR] "plain": Empty translation');
    const error = catchError(() =>
      createI18n({ locales: ['en', 'pt-BR'], defaultLocale: 'en', messages, strict: true }),
    );
    expect(error.issues.map((issue) => [issue.key, issue.severity])).toEqual([
      ['extra', 'warning'],
      ['plain', 'warning'],
      ['items', 'warning'],
    ]);
  });

  it('without a logger, reports catalog warnings as one process warning', async () => {
    const warned = new Promise<Error>((resolve) => {
      const onWarning = (warning: Error) => {
        if (warning.name !== CATALOG_WARNING) return;
        process.off('warning', onWarning);
        resolve(warning);
      };
      process.on('warning', onWarning);
    });
    createI18n({
      locales: ['en', 'pt-BR'],
      defaultLocale: 'en',
      messages: { en: base, 'pt-BR': { hello: 'Olá, {name}!', plain: 'Texto' } },
      files: { 'pt-BR': 'locale/pt-BR.json' },
    });
    const warning = await warned;
    expect(warning).toMatchObject({ name: 'I18nCatalogWarning', code: 'ADV_I18N_CATALOG' });
    expect(warning.message).toContain('locale/pt-BR.json: [pt-BR] "items": Missing translation');
  });

  it('does not require fallback-only catalogs to be complete', () => {
    const warn = vi.fn();
    createI18n({
      locales: ['en', 'pt-BR'],
      defaultLocale: 'en',
      messages: { en: base, 'pt-BR': base, pt: { plain: 'Texto' } },
      logger: { debug() {}, info() {}, warn, error() {} },
    });
    expect(warn).not.toHaveBeenCalled();
  });

  it('skips obsolete entries kept by extract', () => {
    const { issues, compiled } = validateCatalog({
      locale: 'en',
      catalog: { ...base, [`${OBSOLETE_PREFIX}old`]: 'Old {broken' },
    });
    expect(issues).toEqual([]);
    expect([...compiled.keys()]).toEqual(['hello', 'items', 'plain']);
  });
});

describe('compileMessage', () => {
  it('collects argument kinds and whether dates are used, and keeps HTML tags as text', () => {
    const message = compileMessage('<b>{n, plural, one {{when, date, short}} other {{who}}}</b>');
    expect(Object.fromEntries(message.args)).toEqual({ n: 'plural', when: 'date', who: 'plain' });
    expect(message.usesDateTime).toBe(true);
    expect(compileMessage('<b>bold</b>').literal).toBe('<b>bold</b>');
    expect(compileMessage("It''s").literal).toBe("It's");
    expect(compileMessage('Plain # text <i>').literal).toBe('Plain # text <i>');
    expect(compileMessage('Plain # text').ast).toEqual(parse('Plain # text', { ignoreTag: true }));
  });
});
