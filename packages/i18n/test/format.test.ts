import { describe, expect, it, vi } from 'vitest';
import { createI18n, I18nError } from '../src/index.js';
import { spaces } from './fixtures/spaces.js';

const i18n = createI18n({ locales: ['en', 'pt-BR'], defaultLocale: 'en', messages: { en: {}, 'pt-BR': {} } });
const at = new Date('2026-11-25T14:30:00Z');
const both = <T>(fn: () => T): [T, T] => spaces([i18n.withLocale('en', fn), i18n.withLocale('pt-BR', fn)]);

describe('l10n in en and pt-BR', () => {
  it('dates and times, in the scope time zone', () => {
    expect(both(() => i18n.formatDate(at))).toEqual(['11/25/2026', '25/11/2026']);
    expect(both(() => i18n.formatDate(at, { dateStyle: 'long' }))).toEqual([
      'November 25, 2026',
      '25 de novembro de 2026',
    ]);
    expect(both(() => i18n.formatTime(at))).toEqual(['2:30 PM', '14:30']);
    expect(spaces(i18n.withLocale('pt-BR', () => i18n.formatTime(at), { timeZone: 'America/Sao_Paulo' }))).toBe(
      '11:30',
    );
    expect(both(() => i18n.formatDateTime(at))).toEqual(['Nov 25, 2026, 2:30 PM', '25 de nov. de 2026, 14:30']);
  });

  it('numbers, currencies and percentages', () => {
    expect(both(() => i18n.formatNumber(1234567.891))).toEqual(['1,234,567.891', '1.234.567,891']);
    expect(both(() => i18n.formatCurrency(1234.5, 'BRL'))).toEqual(['R$1,234.50', 'R$ 1.234,50']);
    expect(both(() => i18n.formatCurrency(9.9, 'USD'))).toEqual(['$9.90', 'US$ 9,90']);
    expect(both(() => i18n.formatPercent(0.256, { maximumFractionDigits: 1 }))).toEqual(['25.6%', '25,6%']);
  });

  it('relative times, lists and display names', () => {
    expect(both(() => i18n.formatRelativeTime(-1, 'day', { numeric: 'auto' }))).toEqual(['yesterday', 'ontem']);
    expect(both(() => i18n.formatRelativeTime(3, 'hour'))).toEqual(['in 3 hours', 'em 3 horas']);
    expect(both(() => i18n.formatList(['a', 'b', 'c']))).toEqual(['a, b, and c', 'a, b e c']);
    expect(both(() => i18n.formatList(['a', 'b'], { type: 'disjunction' }))).toEqual(['a or b', 'a ou b']);
    expect(both(() => i18n.formatDisplayName('pt-BR', { type: 'language' }))).toEqual([
      'Brazilian Portuguese',
      'português (Brasil)',
    ]);
    expect(both(() => i18n.formatDisplayName('BR', { type: 'region' }))).toEqual(['Brazil', 'Brasil']);
  });

  it('rejects a malformed currency code and display-name type', () => {
    expect(() => i18n.formatCurrency(1, 'reais')).toThrow(
      new I18nError(
        'ERR_INVALID_OPTION',
        'Expected `currency` to be an ISO 4217 code such as `BRL`, got `reais` (string)',
      ),
    );
    expect(() => i18n.formatDisplayName('x', {} as never)).toThrow(/Expected `options.type`/);
  });

  it('reports an unformattable value through onError and returns it as text', () => {
    const onError = vi.fn();
    const reporting = createI18n({ locales: ['en'], defaultLocale: 'en', messages: { en: {} }, onError });
    expect(reporting.formatDate('not a date')).toBe('Invalid Date');
    expect(onError).toHaveBeenCalledOnce();
    expect(onError.mock.calls[0]![0]).toMatchObject({ code: 'ERR_FORMAT' });
  });

  it('exposes the raw @formatjs/intl object of the scope', () => {
    expect(i18n.withLocale('pt-BR', () => i18n.intl().locale)).toBe('pt-BR');
    expect(i18n.withLocale('pt-BR', () => i18n.intl().timeZone, { timeZone: 'Asia/Tokyo' })).toBe('Asia/Tokyo');
  });
});
