import { describe, expect, it } from 'vitest';
import { catalogsReady, createI18n } from '../src/index.js';

describe('catalogsReady', () => {
  it('resolves when every catalog loads', async () => {
    const i18n = createI18n({ locales: ['en', 'pt-BR'], defaultLocale: 'en', loadMessages: () => ({ a: 'A' }) });
    const probe = catalogsReady(i18n);
    expect(probe.name).toBe('i18n catalogs');
    await probe.check(new AbortController().signal);
    expect(i18n.isLoaded('pt-BR')).toBe(true);
  });

  it('rejects with the catalog error', async () => {
    const i18n = createI18n({
      locales: ['en', 'pt-BR'],
      defaultLocale: 'en',
      loadMessages: (locale) => (locale === 'en' ? { a: 'A' } : { a: '{' }),
    });
    await expect(catalogsReady(i18n).check(new AbortController().signal)).rejects.toMatchObject({
      code: 'ERR_INVALID_CATALOG',
    });
  });

  it('rejects when the signal aborts first', async () => {
    const i18n = createI18n({
      locales: ['en'],
      defaultLocale: 'en',
      loadMessages: () => new Promise(() => {}), // never loads
    });
    const controller = new AbortController();
    const pending = catalogsReady(i18n, 'slow').check(controller.signal);
    controller.abort(new Error('timed out'));
    await expect(pending).rejects.toThrow('timed out');
    const aborted = AbortSignal.abort(new Error('already'));
    await expect(catalogsReady(i18n).check(aborted)).rejects.toThrow('already');
  });
});
