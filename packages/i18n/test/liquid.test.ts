import { IntlMessageFormat } from 'intl-messageformat';
import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { blocktransId, icuLiteral } from '../src/blocktrans.js';
import { extractFromSource } from '../src/extract.js';
import { createI18n, I18nError } from '../src/index.js';
import { registerI18n } from '../src/liquid.js';
import { spaces } from './fixtures/spaces.js';

const blockId = '{count, plural, one {# item} other {# items}}';
const i18n = createI18n({
  locales: ['en', 'pt-BR'],
  defaultLocale: 'en',
  messages: {
    en: {
      'Hello, <b>{name}</b>!': 'Hello, <b>{name}</b>!',
      hello: 'Hello, <b>{name}</b>!',
      [blockId]: blockId,
      'month\u0004May': 'May',
      'cart.items': blockId,
    },
    'pt-BR': {
      'Hello, <b>{name}</b>!': 'Olá, <b>{name}</b>!',
      hello: 'Olá, <b>{name}</b>!',
      [blockId]: '{count, plural, one {# item} other {# itens}}',
      'month\u0004May': 'Maio',
      'cart.items': '{count, plural, one {# item} other {# itens}}',
    },
  },
});
const engine = new Liquid();
registerI18n(engine, i18n);
const render = async (template: string, scope: object = {}, locale = 'en') =>
  spaces(
    await i18n.withLocale(locale, () => engine.parseAndRender(template, scope), { timeZone: 'America/Sao_Paulo' }),
  );

describe('LiquidJS tags and filters', () => {
  it('{% trans %} with values and context', async () => {
    expect(await render('{% trans "hello" name: user.name %}', { user: { name: 'Ana' } }, 'pt-BR')).toBe(
      'Olá, <b>Ana</b>!',
    );
    expect(await render('{% trans "May" context: "month" %}', {}, 'pt-BR')).toBe('Maio');
    expect(await render('{% trans key count: 3 %}', { key: 'cart.items' }, 'pt-BR')).toBe('3 itens');
  });

  it('{% blocktrans %} uses its body as the id', async () => {
    const template = `{% blocktrans count: n %}${blockId}{% endblocktrans %}`;
    expect(await render(template, { n: 1 })).toBe('1 item');
    expect(await render(template, { n: 2 }, 'pt-BR')).toBe('2 itens');
    await expect(render('{% blocktrans %}x')).rejects.toThrow(/not closed/);
  });

  it('{% blocktrans %} with a Django-style body and {% plural %}', async () => {
    const template = '{% blocktrans count=n %}{{ count }} item{% plural %}{{ count }} items{% endblocktrans %}';
    expect(await render(template, { n: 1 })).toBe('1 item');
    expect(await render(template, { n: 3 }, 'pt-BR')).toBe('3 itens');
    const named = '{% blocktrans name: who %}Hello, <b>{{ name }}</b>!{% endblocktrans %}';
    expect(await render(named, { who: 'Ana' }, 'pt-BR')).toBe('Olá, <b>Ana</b>!');
  });

  it('issue #17: scope values, whitespace as written, trimmed, and literal braces that load as a catalog', async () => {
    expect(await render('{% blocktrans %}Hello {{ name }}{% endblocktrans %}', { name: 'Ana' })).toBe('Hello Ana');
    expect(await engine.parseAndRender('{% blocktrans %} Hi {% endblocktrans %}|')).toBe(' Hi |');
    const trimmed = '{% blocktrans trimmed %}\n  Hello,\n    {{ name }}!\n{% endblocktrans %}';
    expect(await engine.parseAndRender(trimmed, { name: 'Ana' })).toBe('Hello, Ana!');
    // The extracted id of a block with literal braces is a valid catalog key and message.
    const braces = '{% blocktrans %}Use {} or {name} for {{ what }}{% endblocktrans %}';
    const [id] = extractFromSource(braces, 'page.liquid').map((m) => m.key);
    expect(id).toBe("Use '{}' or '{'name'}' for {what}");
    const withBraces = createI18n({
      locales: ['en', 'pt-BR'],
      defaultLocale: 'en',
      messages: { en: { [id!]: id! }, 'pt-BR': { [id!]: "Use '{}' ou '{'name'}' para {what}" } },
    });
    const local = new Liquid();
    registerI18n(local, withBraces);
    expect(await withBraces.withLocale('pt-BR', () => local.parseAndRender(braces, { what: 'sets' }))).toBe(
      'Use {} ou {name} para sets',
    );
  });

  it('renders tags whose id is in no catalog yet as source text, not as raw ICU or context keys', async () => {
    const block = '{% blocktrans count: n %}{{ count }} photo{% plural %}{{ count }} photos{% endblocktrans %}';
    expect(await render(block, { n: 1 })).toBe('1 photo');
    expect(await render(block, { n: 3 }, 'pt-BR')).toBe('3 photos');
    expect(await render('{% trans "June" context: "month" %}', {}, 'pt-BR')).toBe('June');
  });

  it('the t filter and the l10n filters', async () => {
    expect(await render('{{ "cart.items" | t: count: 5 }}', {}, 'pt-BR')).toBe('5 itens');
    const at = new Date('2026-11-25T14:30:00Z');
    expect(await render('{{ at | format_date: "long" }} {{ at | format_time: "short" }}', { at }, 'pt-BR')).toBe(
      '25 de novembro de 2026 11:30',
    );
    expect(await render('{{ at | format_datetime: "short", "short" }}', { at })).toBe('11/25/26, 11:30 AM');
    expect(await render('{{ 1234.5 | format_number }} {{ 9.9 | format_currency: "BRL" }}', {}, 'pt-BR')).toBe(
      '1.234,5 R$ 9,90',
    );
    expect(await render('{{ 0.5 | format_percent }} {{ -1 | format_relative: "day" }}', {}, 'pt-BR')).toBe('50% ontem');
    expect(
      await render('{{ xs | format_list }} / {{ xs | format_list: "disjunction" }}', { xs: ['a', 'b'] }, 'pt-BR'),
    ).toBe('a e b / a ou b');
    expect(await render('{{ "pt-BR" | language_name }}')).toBe('Brazilian Portuguese');
  });

  it('filters render nil and empty values as nothing, and non-numbers as they are', async () => {
    const filters = [
      't',
      'format_date',
      'format_time',
      'format_datetime',
      'format_number',
      'format_currency: "BRL"',
      'format_percent',
      'format_relative: "day"',
      'format_list',
      'language_name',
    ];
    for (const filter of filters) {
      expect(await render(`[{{ missing | ${filter} }}|{{ nil | ${filter} }}|{{ "" | ${filter} }}]`), filter).toBe(
        '[||]',
      );
    }
    expect(await render('{{ "n/a" | format_number }} {{ "12.5" | format_number }}', {}, 'pt-BR')).toBe('n/a 12,5');
    expect(await render('{{ xs | format_list }}', { xs: ['a', null, 'b'] })).toBe('a and b');
  });

  it('escapes values (not the message) when the engine escapes output', async () => {
    const escaping = new Liquid({ outputEscape: 'escape' });
    registerI18n(escaping, i18n);
    const html = await escaping.parseAndRender('{% trans "hello" name: name %}', { name: '<script>' });
    expect(html).toBe('Hello, <b>&lt;script&gt;</b>!');
    // An id from a variable is a catalog message when a catalog has it, data otherwise.
    const byVariable = '{% trans key name: "Ana" %}|{% trans "<i>literal</i>" %}';
    expect(await escaping.parseAndRender(byVariable, { key: 'hello' })).toBe('Hello, <b>Ana</b>!|<i>literal</i>');
    expect(await escaping.parseAndRender(byVariable, { key: '<img src=x onerror=alert(1)>' })).toBe(
      '&lt;img src=x onerror=alert(1)&gt;|<i>literal</i>',
    );
    expect(await render('{% trans key %}', { key: '<i>x</i>' })).toBe('<i>x</i>'); // no escaping engine
    // Objects rendered through toString (a lazy message, a drop) are escaped as {{ value }} escapes them.
    const scope = { lazy: i18n.lazy('hello', { name: '&' }), user: { toString: () => '<i>x</i>' }, n: 5 };
    const template =
      '{{ lazy }}|{% trans "hello" name: lazy %}|{% trans "hello" name: user %}|{% trans "cart.items" count: n %}';
    expect(await escaping.parseAndRender(template, scope)).toBe(
      'Hello, &lt;b&gt;&amp;&lt;/b&gt;!|Hello, <b>Hello, &lt;b&gt;&amp;&lt;/b&gt;!</b>!|Hello, <b>&lt;i&gt;x&lt;/i&gt;</b>!|5 items',
    );
  });

  it('rejects what is not an engine or an i18n instance', () => {
    expect(() => registerI18n({} as never, i18n)).toThrow(I18nError);
    expect(() => registerI18n(new Liquid(), {} as never)).toThrow(/Expected `i18n`/);
  });
});

describe('blocktransId', () => {
  const shape = (names: string[], count?: string, trimmed = false) => ({ names, count, trimmed });
  it('keeps ICU bodies over bound names and converts Django-style ones, escaping literal braces and apostrophes', () => {
    expect(blocktransId('{n, plural, other {# x}}', undefined, shape(['n'], 'n'))).toBe('{n, plural, other {# x}}');
    expect(blocktransId("It's {{ name }} {ok}", undefined, shape(['name']))).toBe("It''s {name} '{'ok'}'");
    expect(
      blocktransId('{{ counter }} file', '{{ counter }} files of {{ owner }}', shape(['counter', 'owner'], 'counter')),
    ).toBe('{counter, plural, one {# file} other {# files of {owner}}}');
    // Text whose braces are not an ICU message over bound names is text, as in Django.
    expect(blocktransId('Use {} or {name} {{', undefined, shape([]))).toBe("Use '{}' or '{'name'}' '{{'");
    expect(blocktransId('#1 of {{ n }}', '# {{ n }}', shape(['n'], 'n'))).toBe(
      "{n, plural, one {'#'1 of #} other {'#' #}}",
    );
  });

  it('keeps whitespace as written unless trimmed (Django trim_whitespace)', () => {
    expect(blocktransId('  Hello\n  ', undefined, shape([]))).toBe('  Hello\n  ');
    expect(blocktransId('\n\nThere\n\t are 5  \n\n   comments\n', undefined, shape([], undefined, true))).toBe(
      'There are 5 comments',
    );
  });

  it('icuLiteral text renders as itself', () => {
    const samples = ["'{", "{'", '{{}}', "a'b'c", "''{x}''", '#{#}', "it's {ok}", "'", "''", '{', '}}{{', "'#'"];
    for (const text of samples) {
      for (const inPlural of [false, true]) {
        const message = inPlural ? `{n, plural, other {${icuLiteral(text, true)}}}` : icuLiteral(text);
        expect(new IntlMessageFormat(message, 'en', undefined, { ignoreTag: true }).format({ n: 2 }), message).toBe(
          text,
        );
      }
    }
  });
});
