import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { main } from '../src/cli.js';
import { createI18n, I18nError, loadCatalogs } from '../src/index.js';
import { extractFromSource, parsePo, parsePoFile, poToCatalog } from '../src/tools.js';

let dir: string;
let logs: string[];
const out = {
  log: (text: string) => logs.push(text),
  warn: (text: string) => logs.push(text),
  error: (text: string) => logs.push(text),
} as unknown as Console;
const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8'));
const write = (file: string, text: string) => {
  mkdirSync(join(dir, file, '..'), { recursive: true });
  writeFileSync(join(dir, file), text);
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'adv-i18n-cli-'));
  logs = [];
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('extractFromSource', () => {
  it('finds t, lazy, pgettext and method calls with literal ids only', () => {
    const code = `
      i18n.t('home.title'); t("cart.items", { count }); lazy(\`nav.home\`);
      i18n.pgettext('month', 'May'); t(dynamicId); t(\`x.\${y}\`); format('not.this'); at('nope');
      t('It\\'s \\u00e9');
    `;
    expect(extractFromSource(code, 'a.ts').map((m) => m.key)).toEqual([
      'home.title',
      'cart.items',
      'nav.home',
      'month\u0004May',
      "It's é",
    ]);
  });

  it('skips ids in comments, in other strings and in computed calls (what a regex found)', () => {
    const code = `
      // t('in.a.line.comment')
      /* lazy("in.a.block.comment") */
      const help = "call t('in.a.string') to translate";
      const doc = \`see i18n.t('in.a.template')\`;
      const re = /t\\('in.a.regex'\\)/;
      t(\`real.\${id}\`); t(ids[0]); t('a' + 'b');
      t('real.one');
    `;
    expect(extractFromSource(code, 'a.ts')).toEqual([{ key: 'real.one', file: 'a.ts', line: 8 }]);
  });

  it('issue #17: finds calls with whitespace or comments before the parenthesis', () => {
    const code =
      "t ('spaced');\nt\n  ('newline');\ni18n.t /* why */ ('commented');\nlazy\t(`tabbed`);\nconst s = 't (\\'no\\')'; // t ('no')\n";
    expect(extractFromSource(code, 'a.js').map((m) => [m.key, m.line])).toEqual([
      ['spaced', 1],
      ['newline', 2],
      ['commented', 4],
      ['tabbed', 5],
    ]);
  });

  it('handles template literals, context, plural messages, JSX, TS generics and optional calls', () => {
    const code = `import { i18n } from './i18n.js';
type Id = 'typed.id';
export const A = i18n.t<Id>(\`typed.id\`);
export function Cart({ n }: { n: number }) {
  return <p title={t('cart.title')}>{i18n.t('{count, plural, one {# item} other {# items}}', { count: n })}</p>;
}
export const M = i18n.pgettext(\`month\`, 'May');
export const V = i18n?.pgettext('verb', "May");
export const L = i18n['lazy']('lazy.id');
export const G = <T,>(x: T) => x satisfies T; // generics that look like JSX in .tsx
`;
    expect(extractFromSource(code, 'cart.tsx').map((m) => [m.key, m.line])).toEqual([
      ['typed.id', 3],
      ['cart.title', 5],
      ['{count, plural, one {# item} other {# items}}', 5],
      ['month\u0004May', 7],
      ['verb\u0004May', 8],
      ['lazy.id', 9],
    ]);
    expect(extractFromSource('const x = <b>{t("jsx.in.js")}</b>;', 'view.jsx').map((m) => m.key)).toEqual([
      'jsx.in.js',
    ]);
    expect(extractFromSource('const n = <number>value; t("cast")', 'old.ts').map((m) => m.key)).toEqual(['cast']);
  });

  it('names file, line and column of a syntax error, and the CLI exits 1 with it', async () => {
    expect(() => extractFromSource("const a = 1;\nt('x' +;\n", 'broken.ts')).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_SOURCE', message: expect.stringMatching(/^broken\.ts:2:\d+: /) }),
    );
    expect(() => extractFromSource('t(', 'x.ts')).toThrow(I18nError);
    write('src/broken.ts', "t('ok');\nt('x' +;\n");
    expect(await main(['extract', join(dir, 'src'), '--dir', join(dir, 'locale')], out)).toBe(1);
    expect(logs.at(-1)).toMatch(/^adv-i18n extract: .*broken\.ts:2:\d+: .*fix the syntax error/);
  });

  it('keeps an id named __proto__ as a plain key', async () => {
    write('src/app.ts', `t('__proto__'); t('ok');`);
    expect(await main(['extract', join(dir, 'src'), '--dir', join(dir, 'locale')], out)).toBe(0);
    expect(readFileSync(join(dir, 'locale/en.json'), 'utf8')).toBe('{\n  "__proto__": "__proto__",\n  "ok": "ok"\n}\n');
  });

  it('finds trans, blocktrans and the t filter in templates, with line numbers', () => {
    const template = `<h1>{% trans "home.title" %}</h1>
{%- trans 'May' context: "month" -%}
{% blocktrans trimmed count: n %}
  {count, plural, one {# item} other {# items}}
{% endblocktrans %}
{{ "footer" | t }}
{% blocktrans count=n %}{{ count }} item{% plural %}{{ count }} items{% endblocktrans %}`;
    expect(extractFromSource(template, 'page.liquid')).toEqual([
      { key: 'home.title', file: 'page.liquid', line: 1 },
      { key: 'month\u0004May', file: 'page.liquid', line: 2 },
      { key: '{count, plural, one {# item} other {# items}}', file: 'page.liquid', line: 3 },
      { key: '{count, plural, one {# item} other {# items}}', file: 'page.liquid', line: 7 },
      { key: 'footer', file: 'page.liquid', line: 6 },
    ]);
  });
});

describe('adv-i18n extract', () => {
  it('creates catalogs, keeps translations, marks and restores obsolete ids', async () => {
    write('src/app.ts', `t('a'); t('b');`);
    write('src/views/page.liquid', `{% trans "c" %}`);
    write('src/node_modules/x.ts', `t('ignored')`);
    const args = ['extract', join(dir, 'src'), '--dir', join(dir, 'locale'), '--locales', 'en,pt-BR'];
    expect(await main(args, out)).toBe(0);
    expect(read('locale/en.json')).toEqual({ a: 'a', b: 'b', c: 'c' });
    expect(read('locale/pt-BR.json')).toEqual({ a: '', b: '', c: '' });

    write('locale/pt-BR.json', JSON.stringify({ a: 'A!', b: 'B!', c: '' }));
    write('src/app.ts', `t('a'); t('d');`);
    expect(await main(args, out)).toBe(0);
    expect(read('locale/pt-BR.json')).toEqual({ a: 'A!', c: '', d: '', '#~ b': 'B!' });
    expect(logs.at(-1)).toContain('1 new, 2 kept, 0 restored, 1 obsolete');

    write('src/app.ts', `t('a'); t('b'); t('d');`);
    expect(await main(args, out)).toBe(0);
    expect(read('locale/pt-BR.json')).toEqual({ a: 'A!', b: 'B!', c: '', d: '' });

    write('src/app.ts', `t('a');`);
    expect(await main([...args, '--prune'], out)).toBe(0);
    expect(read('locale/pt-BR.json')).toEqual({ a: 'A!', c: '' });
  });
});

describe('locale names of catalog files', () => {
  it('extract canonicalizes --locales and --default, and writes back to the file it read', async () => {
    write('src/app.ts', `t('a'); t('b');`);
    write('locale/en.json', JSON.stringify({ a: 'A' }));
    write('locale/pt-BR.json', JSON.stringify({ a: 'Á' }));
    write('locale/pt.json', JSON.stringify({ a: 'À' }));
    const args = ['extract', join(dir, 'src'), '--dir', join(dir, 'locale')];
    expect(await main([...args, '--locales', 'EN,pt-br', '--default', 'En'], out)).toBe(0);
    expect(readdirSync(join(dir, 'locale')).sort()).toEqual(['en.json', 'pt-BR.json', 'pt.json']);
    expect(read('locale/en.json')).toEqual({ a: 'A', b: 'b' });
    expect(read('locale/pt-BR.json')).toEqual({ a: 'Á', b: '' });

    rmSync(join(dir, 'locale/pt-BR.json'));
    write('locale/pt-br.json', JSON.stringify({ a: 'Á' }));
    expect(await main(args, out)).toBe(0);
    expect(readdirSync(join(dir, 'locale')).sort()).toEqual(['en.json', 'pt-br.json', 'pt.json']);
    expect(read('locale/pt-br.json')).toEqual({ a: 'Á', b: '' });
    expect(await main([...args, '--locales', 'en,not a tag'], out)).toBe(1);
    expect(logs.at(-1)).toBe('adv-i18n extract: --locales expects BCP 47 locale tags such as pt-BR, got "not a tag"');
  });

  it('two files for one locale fail extract, check, import-po and loadCatalogs, and nothing is overwritten', async () => {
    write('src/app.ts', `t('a');`);
    write('locale/en.json', JSON.stringify({ a: 'A' }));
    write('locale/pt-BR.json', JSON.stringify({ a: 'Á' }));
    write('locale/pt-br.json', JSON.stringify({ a: 'old' }));
    write('django.po', 'msgid "a"\nmsgstr "po"\n');
    const locale = join(dir, 'locale');
    const expected = `Two catalogs hold pt-BR: ${join(locale, 'pt-BR.json')} and ${join(locale, 'pt-br.json')}; merge them into one file`;
    expect(await main(['extract', join(dir, 'src'), '--dir', locale], out)).toBe(1);
    expect(logs.at(-1)).toBe(`adv-i18n extract: ${join(locale, 'pt-BR.json')}: ${expected}; fix it first`);
    expect(await main(['check', '--dir', locale], out)).toBe(1);
    expect(logs).toContain(`error: ${join(locale, 'pt-BR.json')}: [pt-BR]: ${expected}`);
    expect(await main(['import-po', join(dir, 'django.po'), '--locale', 'pt-BR', '--dir', locale], out)).toBe(1);
    await expect(loadCatalogs(locale)).rejects.toThrow(expected);
    expect(read('locale/pt-BR.json')).toEqual({ a: 'Á' });
    expect(read('locale/pt-br.json')).toEqual({ a: 'old' });
  });

  it('import-po fills the existing catalog file, whatever the case of its name', async () => {
    write('locale/pt-br.json', JSON.stringify({ a: 'Á' }));
    write('django.po', 'msgid "b"\nmsgstr "Bê"\n');
    const args = ['import-po', join(dir, 'django.po'), '--locale', 'pt-BR', '--dir', join(dir, 'locale')];
    expect(await main(args, out)).toBe(0);
    expect(readdirSync(join(dir, 'locale'))).toEqual(['pt-br.json']);
    expect(read('locale/pt-br.json')).toEqual({ a: 'Á', b: 'Bê' });
  });
});

describe('adv-i18n check', () => {
  it('passes valid catalogs and fails on errors, printing file, locale and key', async () => {
    write('locale/en.json', JSON.stringify({ hello: 'Hello {name}', bye: 'Bye' }));
    write('locale/pt-BR.json', JSON.stringify({ hello: 'Olá {name}', bye: 'Tchau' }));
    write('locale/pt.json', JSON.stringify({ bye: 'Adeus' }));
    const args = ['check', '--dir', join(dir, 'locale'), '--partial', 'pt'];
    expect(await main(args, out)).toBe(0);

    write('locale/pt-BR.json', JSON.stringify({ hello: 'Olá {nome}' }));
    expect(await main(args, out)).toBe(1);
    expect(logs).toContain(
      `error: ${join(dir, 'locale/pt-BR.json')}: [pt-BR] "hello": Uses argument {nome} that the default message (en) does not have`,
    );
    expect(logs).toContain(
      `warning: ${join(dir, 'locale/pt-BR.json')}: [pt-BR] "bye": Missing translation: falls back along the chain`,
    );

    write('locale/pt-BR.json', JSON.stringify({ hello: 'Olá {name}' }));
    expect(await main(args, out)).toBe(0);
    expect(await main([...args, '--strict'], out)).toBe(1);

    write('locale/pt-BR.json', '{ not json');
    expect(await main(args, out)).toBe(1);
    expect(logs.some((line) => line.includes('[pt-BR]: Not valid JSON'))).toBe(true);
  });

  it('fails without a default catalog and prints usage for unknown commands', async () => {
    expect(await main(['check', '--dir', join(dir, 'none')], out)).toBe(1);
    expect(await main(['frobnicate'], out)).toBe(1);
    expect(logs.at(-1)).toContain('Usage: adv-i18n');
  });
});

describe('adv-i18n import-po', () => {
  it('converts a Django .po file to an ICU catalog that createI18n accepts', async () => {
    write(
      'django.po',
      `# Portuguese translation
msgid ""
msgstr ""
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

msgid "Hello %(name)s"
msgstr "Olá %(name)s"

msgctxt "month"
msgid "May"
msgstr "Maio"

#, fuzzy
msgid "Fuzzy"
msgstr "Difuso"

msgid "Untranslated"
msgstr ""

msgid "%(counter)d item"
msgid_plural "%(counter)d items"
msgstr[0] "%(counter)d item"
msgstr[1] "%(counter)d "
"itens"

msgid "100%% {sure}"
msgstr "100%% {certeza} d'água"

#~ msgid "Old"
#~ msgstr "Velho"
`,
    );
    expect(
      await main(['import-po', join(dir, 'django.po'), '--locale', 'pt-br', '--dir', join(dir, 'locale')], out),
    ).toBe(0);
    const catalog = read('locale/pt-BR.json');
    expect(catalog).toEqual({
      'Hello {name}': 'Olá {name}',
      'month\u0004May': 'Maio',
      // Python does not group the count: `{counter}`, not `#`.
      '{counter, plural, one {{counter} item} other {{counter} items}}':
        '{counter, plural, one {{counter} item} other {{counter} itens}}',
      "100% '{'sure'}'": "100% '{'certeza'}' d''água",
    });
    expect(logs).toContain('skipped "Fuzzy": fuzzy');
    const en = Object.fromEntries(Object.keys(catalog).map((key) => [key, key.split('\u0004').pop() ?? key]));
    const { messages, files } = await loadCatalogs(join(dir, 'locale'));
    const i18n = createI18n({ locales: ['en', 'pt-BR'], defaultLocale: 'en', messages: { ...messages, en }, files });
    i18n.activate('pt-BR');
    expect(i18n.t('{counter, plural, one {{counter} item} other {{counter} items}}', { counter: 1234 })).toBe(
      '1234 itens',
    );
    expect(i18n.t("100% '{'sure'}'")).toBe("100% {certeza} d'água");
  });
});

describe('parsePo (gettext-parser)', () => {
  it('reads escapes, multi-line strings, msgctxt, plurals and flags; leaves out the header and obsolete entries', () => {
    const entries = parsePo(`msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=2; plural=(n > 1);\\n"

#: views.py:3
#, python-format, fuzzy
msgid "Say \\"hi\\"\\tnow"
msgstr "Diga \\"oi\\"\\tagora"

msgctxt "month"
msgid ""
"May"
msgstr ""
"Ma"
"io"
msgctxt "verb"
msgid "May"
msgstr "pode"

msgid "%(n)d file"
msgid_plural "%(n)d files"
msgstr[0] "%(n)d arquivo"
msgstr[1] "%(n)d arquivos\\n"

#~ msgid "Old"
#~ msgstr "Velho"
`);
    expect(entries).toEqual([
      {
        context: undefined,
        id: 'Say "hi"\tnow',
        idPlural: undefined,
        strings: ['Diga "oi"\tagora'],
        fuzzy: true,
        flags: ['python-format', 'fuzzy'],
      },
      {
        context: undefined,
        id: '%(n)d file',
        idPlural: '%(n)d files',
        strings: ['%(n)d arquivo', '%(n)d arquivos\n'],
        fuzzy: false,
        flags: [],
      },
      { context: 'month', id: 'May', idPlural: undefined, strings: ['Maio'], fuzzy: false, flags: [] },
      { context: 'verb', id: 'May', idPlural: undefined, strings: ['pode'], fuzzy: false, flags: [] },
    ]);
  });

  it('decodes bytes with the charset of the header (a Latin-1 .po)', () => {
    const latin1 = Buffer.from(
      'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=ISO-8859-1\\n"\n\nmsgid "Yes"\nmsgstr "Sim, já"\n',
      'latin1',
    );
    expect(parsePo(latin1).map((entry) => entry.strings[0])).toEqual(['Sim, já']);
    expect(poToCatalog(parsePo(latin1), 'pt-BR').catalog).toEqual({ Yes: 'Sim, já' });
  });

  it('rejects a malformed file with ERR_INVALID_PO naming the problem', () => {
    for (const text of ['msgid "a"\nmsgstr "b"\nmsgid "a"\nmsgstr "c"\n', 'msgid "a\nmsgstr "b"\n']) {
      expect(() => parsePo(text)).toThrow(
        expect.objectContaining({
          code: 'ERR_INVALID_PO',
          message: expect.stringMatching(/^Not a valid \.po file: \S/),
        }),
      );
    }
  });

  it("maps plural forms by the header's Plural-Forms: a Russian file's 3 forms fill CLDR's one/few/many (and other)", async () => {
    const po = `msgid ""
msgstr ""
"Content-Type: text/plain; charset=UTF-8\\n"
"Plural-Forms: nplurals=3; plural=(n%10==1 && n%100!=11 ? 0 : n%10>=2 && n%10<=4 && (n%100<10 || n%100>=20) ? 1 : 2);\\n"

msgid "%(count)d file"
msgid_plural "%(count)d files"
msgstr[0] "%(count)d файл"
msgstr[1] "%(count)d файла"
msgstr[2] "%(count)d файлов"
`;
    const { entries, headers } = parsePoFile(po);
    // In order, the three forms would not fit Russian's four categories: skipped before.
    expect(poToCatalog(entries, 'ru').skipped).toEqual([{ id: '%(count)d file', reason: '3 plural forms; ru has 4' }]);
    const { catalog, skipped } = poToCatalog(entries, 'ru', { pluralForms: headers['Plural-Forms'] });
    expect(skipped).toEqual([]);
    const key = '{count, plural, one {{count} file} other {{count} files}}';
    expect(catalog).toEqual({
      [key]: '{count, plural, one {{count} файл} few {{count} файла} other {{count} файлов}}',
    });
    const i18n = createI18n({
      locales: ['en', 'ru'],
      defaultLocale: 'en',
      messages: { en: { [key]: key }, ru: catalog },
    });
    expect([1, 3, 5, 11, 21, 22, 25].map((count) => i18n.withLocale('ru', () => i18n.t(key, { count })))).toEqual([
      '1 файл',
      '3 файла',
      '5 файлов',
      '11 файлов',
      '21 файл',
      '22 файла',
      '25 файлов',
    ]);
    write('ru.po', po);
    expect(await main(['import-po', join(dir, 'ru.po'), '--locale', 'ru', '--dir', join(dir, 'locale')], out)).toBe(0);
    expect(read('locale/ru.json')).toEqual(catalog);
    expect(() => poToCatalog(entries, 'ru', { pluralForms: 'nplurals=3; plural=(n %% ;' })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_PO' }),
    );
  });

  it('keeps a fuzzy flag that is not the first flag', () => {
    const entries = parsePo('#, python-format, fuzzy\nmsgid "a"\nmsgstr "b"\n');
    expect(poToCatalog(entries, 'pt').skipped).toEqual([{ id: 'a', reason: 'fuzzy' }]);
  });
});

describe('adv-i18n export-po', () => {
  it('writes a catalog as a .po file that import-po reads back unchanged (contexts, braces, quotes, obsolete ids)', async () => {
    const ptBR = {
      hello: 'Olá, {name}!',
      'cart.items': "{count, plural, one {# item} other {# itens}} no carrinho d'água",
      'month\u0004May': 'Maio',
      'multi.line': 'Linha 1\n"Linha" 2',
      '#~ gone': 'Antigo',
    };
    write(
      'locale/en.json',
      JSON.stringify({ hello: 'Hello, {name}!', 'cart.items': '{count, plural, one {# item} other {# items}}' }),
    );
    write('locale/pt-BR.json', JSON.stringify(ptBR));
    expect(await main(['export-po', '--locale', 'pt-br', '--dir', join(dir, 'locale')], out)).toBe(0);
    const text = readFileSync(join(dir, 'locale/pt-BR.po'), 'utf8');
    expect(text).toContain('"Language: pt-BR\\n"');
    expect(text).toContain(
      '#. {count, plural, one {# item} other {# items}}\n#, icu-message-format\nmsgid "cart.items"',
    );
    expect(text).toContain('msgctxt "month"\nmsgid "May"\nmsgstr "Maio"');
    expect(text).toContain('#~ msgid "gone"');
    const { entries, headers } = parsePoFile(readFileSync(join(dir, 'locale/pt-BR.po')));
    expect(headers.Language).toBe('pt-BR');
    const { catalog, skipped } = poToCatalog(entries, 'pt-BR');
    const { '#~ gone': _obsolete, ...live } = ptBR;
    expect({ ...catalog }).toEqual(live);
    expect(skipped).toEqual([]);

    rmSync(join(dir, 'locale/pt-BR.json'));
    const args = ['import-po', join(dir, 'locale/pt-BR.po'), '--locale', 'pt-BR', '--dir', join(dir, 'locale')];
    expect(await main(args, out)).toBe(0);
    expect(read('locale/pt-BR.json')).toEqual(live);
    expect(await main(['export-po', '--locale', 'fr', '--dir', join(dir, 'locale')], out)).toBe(1);
    expect(logs.at(-1)).toBe(`adv-i18n export-po: no catalog for fr in ${join(dir, 'locale')}`);
  });
});

describe('the adv-i18n bin', { timeout: 60_000 }, () => {
  it('runs from dist with node and sets the exit code', () => {
    const bin = join(import.meta.dirname, '../dist/cli.js');
    write('locale/en.json', JSON.stringify({ a: '{' }));
    let status = 0;
    try {
      execFileSync(process.execPath, [bin, 'check', '--dir', join(dir, 'locale')], { stdio: 'pipe' });
    } catch (error) {
      status = (error as { status: number }).status;
    }
    expect(status).toBe(1);
  });
});
