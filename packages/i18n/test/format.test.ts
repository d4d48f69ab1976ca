import { describe, expect, it, vi } from 'vitest';
import { createI18n, I18nError, languageInfo } from '../src/index.js';
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

describe('formatter caching', () => {
  const KINDS = [
    'DateTimeFormat',
    'NumberFormat',
    'PluralRules',
    'RelativeTimeFormat',
    'ListFormat',
    'DisplayNames',
  ] as const;

  /** Counts `new Intl.X(...)` calls while `fn` runs. */
  function countConstructions(fn: () => void): Record<(typeof KINDS)[number], number> {
    const counts = Object.fromEntries(KINDS.map((kind) => [kind, 0])) as Record<(typeof KINDS)[number], number>;
    const originals = KINDS.map((kind) => [kind, Intl[kind]] as const);
    for (const [kind, original] of originals) {
      (Intl as Record<string, unknown>)[kind] = new Proxy(original, {
        construct(target, args, newTarget) {
          counts[kind]++;
          return Reflect.construct(target, args, newTarget);
        },
      });
    }
    try {
      fn();
    } finally {
      for (const [kind, original] of originals) (Intl as Record<string, unknown>)[kind] = original;
    }
    return counts;
  }

  it('builds each Intl formatter once per locale, time zone and options, however often it formats', () => {
    const fresh = createI18n({
      locales: ['en', 'pt-BR'],
      defaultLocale: 'en',
      messages: {
        en: { items: '{n, plural, one {# item} other {# items}} on {at, date, short}' },
        'pt-BR': { items: '{n, plural, one {# item} other {# itens}} em {at, date, short}' },
      },
    });
    const once = () => {
      for (const locale of ['en', 'pt-BR']) {
        fresh.withLocale(locale, () => {
          fresh.t('items', { n: 2, at });
          fresh.formatDate(at, { dateStyle: 'long' });
          fresh.formatNumber(1234.5);
          fresh.formatCurrency(9.9, 'BRL');
          fresh.formatRelativeTime(-1, 'day', { numeric: 'auto' });
          fresh.formatList(['a', 'b']);
          fresh.formatDisplayName('pt-BR', { type: 'language' });
          languageInfo(fresh);
        });
      }
    };
    const first = countConstructions(once);
    for (const kind of KINDS) expect(first[kind], kind).toBeGreaterThan(0);
    const repeated = countConstructions(() => {
      for (let round = 0; round < 50; round++) once();
    });
    expect(repeated).toEqual(Object.fromEntries(KINDS.map((kind) => [kind, 0])));
  });
});
