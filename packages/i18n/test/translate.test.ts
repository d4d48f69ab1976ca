import { silentLogger } from '@adv/types';
import { describe, expect, it, vi } from 'vitest';
import { createI18n, I18nError, LazyMessage } from '../src/index.js';
import { en, pt, ptBR } from './fixtures/catalogs.js';
import { spaces } from './fixtures/spaces.js';

// The fixtures leave gaps on purpose (to test fallbacks): a logger keeps their warnings quiet.
const make = (extra: Partial<Parameters<typeof createI18n>[0]> = {}) =>
  createI18n({
    locales: ['en', 'pt-BR'],
    defaultLocale: 'en',
    messages: { en, 'pt-BR': ptBR, pt },
    logger: silentLogger,
    ...extra,
  });

describe('t', () => {
  const i18n = make();

  it('translates in the default locale outside any scope', () => {
    expect(i18n.getLocale()).toBe('en');
    expect(i18n.t('hello', { name: 'Ana' })).toBe('Hello, Ana!');
    expect(i18n.t('plain')).toBe('Just text');
  });

  it('translates in pt-BR inside withLocale', () => {
    expect(i18n.withLocale('pt-BR', () => i18n.t('hello', { name: 'Ana' }))).toBe('Olá, Ana!');
    expect(i18n.withLocale('pt-br', () => i18n.getLocale())).toBe('pt-BR');
  });

  it('formats plurals with each language rules', () => {
    const en0 = i18n.t('cart.items', { count: 0 });
    const en1 = i18n.t('cart.items', { count: 1 });
    const en2 = i18n.t('cart.items', { count: 1234 });
    expect([en0, en1, en2]).toEqual(['Your cart is empty', '1 item in your cart', '1,234 items in your cart']);
    const pt = i18n.withLocale('pt-BR', () => [0, 1, 2, 1234].map((count) => i18n.t('cart.items', { count })));
    expect(pt).toEqual([
      'Seu carrinho está vazio',
      '1 item no carrinho',
      '2 itens no carrinho',
      '1.234 itens no carrinho',
    ]);
  });

  it('formats selects and currencies', () => {
    expect(i18n.t('profile.greeting', { gender: 'female' })).toBe('She liked your post');
    expect(i18n.withLocale('pt-BR', () => i18n.t('profile.greeting', { gender: 'x' }))).toBe('Curtiram seu post');
    expect(i18n.t('cart.total', { total: 1234.5 })).toBe('Total: $1,234.50');
    expect(spaces(i18n.withLocale('pt-BR', () => i18n.t('cart.total', { total: 1234.5 })))).toBe('Total: R$ 1.234,50');
  });

  it('translates with a context (pgettext)', () => {
    expect(i18n.withLocale('pt-BR', () => [i18n.pgettext('month', 'May'), i18n.pgettext('verb', 'May')])).toEqual([
      'Maio',
      'pode',
    ]);
  });

  it('falls back along pt-BR -> pt -> en', () => {
    expect(i18n.fallbackChain('pt-BR')).toEqual(['pt-BR', 'pt', 'en']);
    expect(i18n.withLocale('pt-BR', () => i18n.t('only.pt'))).toBe('Só em português');
    expect(i18n.withLocale('pt-BR', () => i18n.t('only.english'))).toBe('Only in English');
    expect(i18n.has('only.pt', 'pt-BR')).toBe(true);
    expect(i18n.has('nope')).toBe(false);
  });

  it('accepts object values such as a lazy message', () => {
    const name = i18n.lazy('plain');
    expect(i18n.withLocale('pt-BR', () => i18n.t('hello', { name: name as never }))).toBe('Olá, Só texto!');
  });

  it('returns the id for an unknown message', () => {
    expect(i18n.t('does.not.exist' as never)).toBe('does.not.exist');
    expect(i18n.t('broken {icu' as never, { icu: 1 })).toBe('broken {icu');
  });

  it('formats an id no catalog has as an ICU message of the default locale (gettext returns the msgid)', () => {
    const id = '{count, plural, one {# new message} other {# new messages}} for {name}' as never;
    expect(i18n.t(id, { count: 1234, name: 'Ana' })).toBe('1,234 new messages for Ana');
    expect(i18n.withLocale('pt-BR', () => i18n.t(id, { count: 1, name: 'Ana' }))).toBe('1 new message for Ana');
    expect(i18n.t("It''s {n, number, percent}" as never, { n: 0.5 })).toBe("It's 50%");
  });

  it('pgettext shows the id, never the context separator, when no catalog has the pair', () => {
    const missing = i18n.withLocale('pt-BR', () => [
      i18n.pgettext('month', 'June' as never),
      i18n.pgettext('greeting', 'Hi {name}' as never, { name: 'Ana' }),
    ]);
    expect(missing).toEqual(['June', 'Hi Ana']);
  });

  it('uses the time zone of the scope for dates in messages', () => {
    const at = new Date('2026-11-25T01:30:00Z');
    expect(i18n.withLocale('pt-BR', () => i18n.t('event.when', { at }))).toBe(
      'Começa em 25 de novembro de 2026 às 01:30',
    );
    expect(i18n.withLocale('pt-BR', () => i18n.t('event.when', { at }), { timeZone: 'America/Sao_Paulo' })).toBe(
      'Começa em 24 de novembro de 2026 às 22:30',
    );
    expect(spaces(i18n.withLocale('en', () => i18n.t('event.when', { at }), { timeZone: 'Asia/Tokyo' }))).toBe(
      'Starts November 25, 2026 at 10:30 AM',
    );
  });

  it('reports a format error and returns the message source', () => {
    const onError = vi.fn();
    const strictOne = make({ onError });
    expect(strictOne.t('hello')).toBe('Hello, {name}!');
    expect(onError).toHaveBeenCalledOnce();
    const error = onError.mock.calls[0]![0] as I18nError;
    expect(error).toBeInstanceOf(I18nError);
    expect(error.code).toBe('ERR_FORMAT');
    expect(error.message).toContain('"hello"');
  });
});

describe('onMissing', () => {
  it('is told about fallbacks and unknown ids, and may replace the text', () => {
    const seen: unknown[] = [];
    const i18n = make({
      onMissing: (missing) => {
        seen.push(missing);
        return missing.id === 'replace.me' ? '[replaced]' : undefined;
      },
    });
    expect(i18n.withLocale('pt-BR', () => i18n.t('only.english'))).toBe('Only in English');
    expect(i18n.withLocale('pt-BR', () => i18n.t('replace.me' as never))).toBe('[replaced]');
    expect(i18n.t('hello', { name: 'x' })).toBe('Hello, x!');
    expect(seen).toEqual([
      { id: 'only.english', locale: 'pt-BR', fallbackLocale: 'en' },
      { id: 'replace.me', locale: 'pt-BR', fallbackLocale: undefined },
    ]);
  });
});

describe('lazy', () => {
  it('resolves when rendered, in the locale active then', () => {
    const i18n = make();
    const label = i18n.lazy('plain');
    expect(label).toBeInstanceOf(LazyMessage);
    expect(label.id).toBe('plain');
    expect(String(label)).toBe('Just text');
    expect(i18n.withLocale('pt-BR', () => `${label}`)).toBe('Só texto');
    expect(i18n.withLocale('pt-BR', () => JSON.stringify({ label }))).toBe('{"label":"Só texto"}');
  });
});

describe('activate / deactivate', () => {
  it('changes the locale for the rest of the scope only', async () => {
    const i18n = make();
    const inside = await i18n.withLocale('en', async () => {
      i18n.activate('pt-BR', { timeZone: 'Europe/Lisbon' });
      await new Promise((resolve) => setTimeout(resolve, 1));
      const seen = [i18n.getLocale(), i18n.getTimeZone()];
      i18n.deactivate();
      return [...seen, i18n.getLocale(), i18n.getTimeZone()];
    });
    expect(inside).toEqual(['pt-BR', 'Europe/Lisbon', 'en', 'UTC']);
    expect(i18n.getLocale()).toBe('en');
  });

  it('rejects unknown locales and time zones', () => {
    const i18n = make();
    expect(() => i18n.withLocale('fr', () => 1)).toThrow(
      new I18nError('ERR_UNKNOWN_LOCALE', 'Expected `locale` to be one of `en`, `pt-BR`, got `fr` (string)'),
    );
    expect(() => i18n.activate('en', { timeZone: 'Mars/Olympus' })).toThrow(
      /Expected `timeZone` to be an IANA time zone/,
    );
  });
});

describe('concurrency isolation', () => {
  it('never lets concurrent scopes see each other’s locale or time zone', async () => {
    const i18n = make();
    const locales = ['en', 'pt-BR'] as const;
    const zones = ['UTC', 'America/Sao_Paulo', 'Asia/Tokyo'];
    const runs = Array.from({ length: 200 }, (_, n) => {
      const locale = locales[n % 2]!;
      const timeZone = zones[n % 3]!;
      return i18n.withLocale(
        locale,
        async () => {
          const seen: string[] = [];
          for (let step = 0; step < 5; step++) {
            await new Promise((resolve) => setTimeout(resolve, (n * 7 + step) % 3));
            seen.push(`${i18n.getLocale()}|${i18n.getTimeZone()}|${i18n.t('plain')}`);
          }
          return { expected: `${locale}|${timeZone}|${locale === 'en' ? 'Just text' : 'Só texto'}`, seen };
        },
        { timeZone },
      );
    });
    for (const { expected, seen } of await Promise.all(runs)) expect(seen).toEqual(Array(5).fill(expected));
  });
});

describe('formatting locale on fallback (issue #17)', () => {
  const items = '{n, plural, one {# item} other {# itens}}';
  const i18n = createI18n({
    locales: ['en', 'pt', 'pt-PT', 'fr'],
    defaultLocale: 'en',
    messages: {
      en: { items: '{n, plural, one {# item} other {# items}}', total: 'Total: {x, number}' },
      pt: { items, total: 'Total: {x, number}' },
    },
    logger: silentLogger,
  });
  const inLocale = (locale: string, id: 'items' | 'total', values: Record<string, number>) =>
    spaces(i18n.withLocale(locale, () => i18n.t(id, values)));

  it('a pt-PT request served from the pt catalog gets pt-PT plural rules and number format', () => {
    expect(inLocale('pt', 'items', { n: 0 })).toBe('0 item'); // pt: 0 is "one"
    expect(inLocale('pt-PT', 'items', { n: 0 })).toBe('0 itens'); // pt-PT: 0 is "other"
    expect(inLocale('pt', 'total', { x: 12345.5 })).toBe('Total: 12.345,5');
    expect(inLocale('pt-PT', 'total', { x: 12345.5 })).toBe('Total: 12 345,5');
    expect(i18n.withLocale('pt-PT', () => i18n.formatNumber(1234.5))).toBe('1234,5');
  });

  it('across languages the text keeps its own plural forms, numbers follow the request', () => {
    // fr counts 0 as "one"; the English text falls back with English plurals (gettext's msgid rule).
    expect(inLocale('fr', 'items', { n: 0 })).toBe('0 items');
    expect(inLocale('fr', 'total', { x: 12345.5 })).toBe('Total: 12 345,5');
  });
});
