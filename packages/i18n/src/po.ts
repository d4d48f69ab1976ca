import type { OptionKeys } from '@adv/types';
import pluralFormsModule from '@tannin/plural-forms';
import { type GetTextTranslation, po } from 'gettext-parser';
import { icuLiteral } from './blocktrans.js';
import { CONTEXT_SEPARATOR, OBSOLETE_PREFIX } from './catalog.js';
import { I18nError } from './errors.js';
import { i18nOptions } from './options.js';

/** One translated entry of a gettext `.po` file. */
export interface PoEntry {
  readonly context: string | undefined;
  readonly id: string;
  readonly idPlural: string | undefined;
  /** `msgstr`, or `msgstr[0..n]` for plurals. */
  readonly strings: readonly string[];
  readonly fuzzy: boolean;
  /** The `#,` flags (`python-format`, `icu-format`, …). */
  readonly flags: readonly string[];
}

/** A parsed `.po` file: its header fields (`Plural-Forms`, `Language`, …) and its entries. */
export interface PoFile {
  readonly headers: Readonly<Record<string, string>>;
  readonly entries: readonly PoEntry[];
}

/** {@link parsePoFile}'s entries alone. */
export function parsePo(input: string | Uint8Array): PoEntry[] {
  return [...parsePoFile(input).entries];
}

/**
 * Parses a gettext `.po` file (what Django's makemessages writes) with gettext-parser: msgctxt,
 * msgid, msgid_plural, msgstr / msgstr[n], multi-line strings and C escapes, the `fuzzy` flag,
 * and the charset of the header when given bytes (a Latin-1 `.po` read as a `Buffer` decodes
 * right). Obsolete (`#~`) entries and the header are left out.
 *
 * @param input - The file's text, or its bytes (preferred: the header's charset is honoured).
 * @throws {@link I18nError} `ERR_INVALID_PO` naming what gettext-parser could not read.
 */
export function parsePoFile(input: string | Uint8Array): PoFile {
  let table: ReturnType<typeof po.parse>;
  try {
    table = po.parse(typeof input === 'string' ? input : Buffer.from(input), {
      defaultCharset: 'utf-8',
      validation: true,
    });
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new I18nError('ERR_INVALID_PO', `Not a valid .po file: ${reason}`, { cause: error });
  }
  const entries: PoEntry[] = [];
  for (const [context, messages] of Object.entries(table.translations)) {
    for (const message of Object.values(messages)) {
      if (message.msgid === '') continue; // the header
      const flags = (message.comments?.flag ?? '')
        .split(',')
        .map((flag) => flag.trim())
        .filter(Boolean);
      entries.push({
        // gettext-parser files entries without msgctxt under "".
        context: message.msgctxt ?? (context === '' ? undefined : context),
        id: message.msgid,
        idPlural: message.msgid_plural,
        strings: message.msgstr,
        fuzzy: flags.includes('fuzzy'),
        flags,
      });
    }
  }
  return { headers: table.headers ?? {}, entries };
}

// The package is CommonJS (`module.exports = pluralForms`) with an ESM-style `export default`
// in its .d.ts, so under NodeNext TypeScript sees the module object where Node gives the function.
const pluralFormsOf = pluralFormsModule as unknown as (expression: string) => (n: number) => number;

const ORDER = ['zero', 'one', 'two', 'few', 'many', 'other'];

/** Python's conversion specs: `%(name)s`, `%d`, `%-5.1f`, `%%`. */
const PYTHON_SPEC = /%(?:\((\w+)\))?([#0 +-]*)(\d*)(?:\.(\d*))?([diouxXeEfFgGcrsa%])/g;

/**
 * Converts Python-format text to ICU so that it renders as Python's `%` does: `%(name)s`,
 * `%(n)d` and `%s` (positional, as `{0}`, `{1}`…) become plain `{arguments}` (no grouping);
 * a spec with flags, width or precision, or a `r`/`f`/`x`/… conversion becomes a number argument
 * styled by the spec (`%(size).1f` -> `{size, number, %.1f}`), which the message formatter
 * renders with Python's rules; `%%` is `%`; literal braces, apostrophes (and `#` in plural
 * branches) are quoted. In plural branches the count stays `{count}`: Python does not group it.
 */
export function pythonFormatToIcu(text: string, countName?: string): string {
  const inPlural = countName !== undefined;
  let out = '';
  let last = 0;
  let position = 0;
  for (const match of text.matchAll(PYTHON_SPEC)) {
    const [whole, name, flags = '', width = '', precision, type = 's'] = match;
    out += icuLiteral(text.slice(last, match.index), inPlural);
    last = match.index + whole.length;
    if (type === '%') {
      out += '%';
      continue;
    }
    const argument = name ?? String(position++);
    const plain = flags === '' && width === '' && precision === undefined && 'sdiu'.includes(type);
    out += plain
      ? `{${argument}}`
      : `{${argument}, number, %${flags}${width}${precision === undefined ? '' : `.${precision}`}${type}}`;
  }
  return out + icuLiteral(text.slice(last), inPlural);
}

/**
 * Whether an entry's text is Python-format: flagged `python-format` (as makemessages flags
 * it), or, in a hand-written file without any format flag, using a spec such as `%(name)s`,
 * `%d` or `%%`. Other text (`no-python-format`, `c-format`, …) is literal: its `%` and braces
 * are shown as written.
 */
function isPythonFormat(entry: PoEntry): boolean {
  if (entry.flags.includes('python-format')) return true;
  if (entry.flags.some((flag) => flag.endsWith('-format'))) return false;
  return /%(?:\(\w+\))?[#0+-]*\d*(?:\.\d+)?[sdifr%]/.test(`${entry.id}${entry.idPlural ?? ''}`);
}

/** The ICU plural argument name of a gettext plural: the first `%(name)d`, or `count`. */
function countNameOf(idPlural: string): string {
  return (
    /%\((\w+)\)[di]/.exec(idPlural)?.[1] ??
    /%\((\w+)\)s/.exec(idPlural)?.[1] ??
    // Django's humanize passes the `%(value).1f` value itself as the count.
    /%\((\w+)\)[#0 +-]*\d*(?:\.\d*)?[diouxXeEfFgGcrsa]/.exec(idPlural)?.[1] ??
    'count'
  );
}

function plural(forms: readonly string[], categories: readonly string[], countName: string, python: boolean): string {
  const convert = (form: string) => (python ? pythonFormatToIcu(form, countName) : icuLiteral(form, true));
  const arms = forms.map((form, i) => `${categories[i]} {${convert(form)}}`);
  return `{${countName}, plural, ${arms.join(' ')}}`;
}

/**
 * The catalog key {@link poToCatalog} files an entry under: its msgid converted to ICU (for a
 * plural, the English `{count, plural, one {…} other {…}}` of msgid/msgid_plural), prefixed by
 * `context\u0004` when it has a msgctxt. Code calls `t()` with this key.
 */
export function poEntryKey(entry: PoEntry): string {
  let key: string;
  if (entry.idPlural === undefined) {
    key = entry.flags.includes(ICU_FLAG)
      ? entry.id
      : isPythonFormat(entry)
        ? pythonFormatToIcu(entry.id)
        : icuLiteral(entry.id);
  } else {
    key = plural([entry.id, entry.idPlural], ['one', 'other'], countNameOf(entry.idPlural), isPythonFormat(entry));
  }
  return entry.context === undefined ? key : `${entry.context}${CONTEXT_SEPARATOR}${key}`;
}

/** Result of {@link poToCatalog}: the ICU catalog and what could not be converted. */
export interface PoConversion {
  readonly catalog: Record<string, string>;
  readonly skipped: readonly { id: string; reason: string }[];
}

/** Options of {@link poToCatalog}. */
export interface PoToCatalogOptions {
  /**
   * The file's `Plural-Forms` header (`nplurals=3; plural=(n%10==1 && …);`), as
   * {@link parsePoFile} returns it: each CLDR category of the locale gets the form the header's
   * expression picks for a number of that category. Without it, forms map to the categories in order.
   */
  pluralForms?: string | undefined;
}

/** Integers tried as samples of each CLDR plural category (`many` in pt/fr/es needs a million). */
const SAMPLES = [...Array.from({ length: 200 }, (_, n) => n), 1000, 10000, 100000, 1000000];

/**
 * For each CLDR category of `locale` (and `=n` for a few numbers that need an exact arm), the index of the gettext form `plural` picks for most
 * numbers of that category (where CLDR and the file's expression split numbers differently,
 * the numbers in the minority get the form of their CLDR category: Plural-Forms of lv gives 0
 * its own form, CLDR counts it with 10 and 11). Categories that only fractions reach (ru `other`, cs `many`) have no
 * integer for gettext's `n`: `other` takes the last form, the others are left to `other`.
 */
export function formIndexByCategory(locale: string, header: string): Map<string, number> | string {
  const nplurals = Number(/nplurals\s*=\s*(\d+)/.exec(header)?.[1]);
  const expression = /plural\s*=\s*([^;]+)/.exec(header)?.[1]?.trim();
  if (!Number.isInteger(nplurals) || nplurals < 1 || !expression)
    return `Plural-Forms header ${JSON.stringify(header)} is not "nplurals=N; plural=EXPR;"`;
  let pick: (n: number) => number;
  try {
    // @tannin/plural-forms evaluates the C expression without eval (WordPress's Tannin uses it).
    // @tannin/plural-forms 1.1 drops the else branch of `c?2:1` written without spaces (ro's
    // header in Django's files): `(n>19)?2:1` gave 2 for every n. Spaced, it parses right.
    pick = pluralFormsOf(expression.replace(/\s*([?:])\s*/g, ' $1 '));
    for (const n of SAMPLES) {
      const form = Number(pick(n));
      if (!Number.isInteger(form) || form < 0 || form >= nplurals) {
        return `Plural-Forms expression ${JSON.stringify(expression)} gives ${form} for n = ${n}, not a form from 0 to ${nplurals - 1}`;
      }
    }
  } catch (error) {
    return `Plural-Forms expression ${JSON.stringify(expression)} does not parse: ${error instanceof Error ? error.message : String(error)}`;
  }
  const rules = new Intl.PluralRules(locale);
  const forms = new Map<string, number>();
  for (const category of ORDER.filter((c) => (rules.resolvedOptions().pluralCategories as string[]).includes(c))) {
    // The form most of the category's numbers get; on a tie, the form of its smallest number
    // above 0 (pt, fr, hy count 0 as "one", gettext's `n != 1` does not: 1 decides).
    const votes = new Map<number, number>();
    for (const n of SAMPLES)
      if (rules.select(n) === category) votes.set(Number(pick(n)), (votes.get(Number(pick(n))) ?? 0) + 1);
    if (votes.size === 0) {
      if (category === 'other') forms.set(category, nplurals - 1);
      continue;
    }
    const most = Math.max(...votes.values());
    const tied = [...votes].filter(([, count]) => count === most).map(([form]) => form);
    const positive = SAMPLES.find((n) => n > 0 && rules.select(n) === category && tied.includes(Number(pick(n))));
    forms.set(category, positive === undefined ? tied[0]! : Number(pick(positive)));
  }
  if (!forms.has('other')) forms.set('other', nplurals - 1);
  // Numbers the file's expression puts in another form than their CLDR category's get an exact
  // ICU arm (`=0 {…}`: pt, hi, hy count 0 as "one", their `n != 1` does not), when they are few.
  const exact = SAMPLES.filter(
    (n) => forms.get(rules.select(n)) !== undefined && Number(pick(n)) !== forms.get(rules.select(n)),
  );
  if (exact.length > 0 && exact.length <= MAX_EXACT_ARMS) {
    return new Map([...exact.map((n): [string, number] => [`=${n}`, Number(pick(n))]), ...forms]);
  }
  return forms;
}

/** At most this many `=n` arms are added to make a plural follow a file's Plural-Forms. */
const MAX_EXACT_ARMS = 5;

/**
 * Turns `.po` entries into an ICU catalog keyed the way `extract` keys ids: the msgid (for
 * plurals, the English ICU plural built from msgid/msgid_plural) converted to ICU, prefixed by
 * `context\u0004` when there is a msgctxt. Fuzzy and untranslated entries are skipped. Plural
 * forms follow the `pluralForms` header when given (so a Russian file's three gettext forms
 * fill CLDR's one/few/many/other); without it they map to the categories in order (one/other
 * for two forms).
 */
export function poToCatalog(
  entries: readonly PoEntry[],
  locale: string,
  options: PoToCatalogOptions = {},
): PoConversion {
  i18nOptions('poToCatalog', options, PO_TO_CATALOG_KEYS, {});
  const catalog: Record<string, string> = Object.create(null);
  const skipped: { id: string; reason: string }[] = [];
  const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
  const ordered = ORDER.filter((category) => (categories as string[]).includes(category));
  const byHeader = options.pluralForms === undefined ? undefined : formIndexByCategory(locale, options.pluralForms);
  if (typeof byHeader === 'string') throw new I18nError('ERR_INVALID_PO', `Not a valid .po file: ${byHeader}`);
  for (const entry of entries) {
    if (entry.fuzzy) {
      skipped.push({ id: entry.id, reason: 'fuzzy' });
      continue;
    }
    if (entry.strings.length === 0 || entry.strings.every((s) => s === '')) {
      skipped.push({ id: entry.id, reason: 'untranslated' });
      continue;
    }
    const key = poEntryKey(entry);
    let value: string;
    if (entry.flags.includes(ICU_FLAG) && entry.idPlural === undefined) {
      // Written by catalogToPo: already ICU on both sides.
      value = entry.strings[0] ?? '';
    } else if (entry.idPlural === undefined) {
      value = isPythonFormat(entry) ? pythonFormatToIcu(entry.strings[0] ?? '') : icuLiteral(entry.strings[0] ?? '');
    } else {
      const python = isPythonFormat(entry);
      const countName = countNameOf(entry.idPlural);
      if (byHeader !== undefined) {
        const other = byHeader.get('other')!;
        const arms = [...byHeader].filter(
          ([category, form]) => category === 'other' || category.startsWith('=') || form !== other,
        );
        if (arms.some(([, form]) => entry.strings[form] === undefined)) {
          skipped.push({
            id: entry.id,
            reason: `${entry.strings.length} plural forms; the Plural-Forms header wants more`,
          });
          continue;
        }
        value = plural(
          arms.map(([, form]) => entry.strings[form]!),
          arms.map(([category]) => category),
          countName,
          python,
        );
        catalog[key] = value;
        continue;
      }
      const target = entry.strings.length === 2 ? ['one', 'other'] : entry.strings.length === 1 ? ['other'] : ordered;
      if (target.length !== entry.strings.length) {
        skipped.push({ id: entry.id, reason: `${entry.strings.length} plural forms; ${locale} has ${ordered.length}` });
        continue;
      }
      value = plural(entry.strings, target, countName, python);
    }
    catalog[key] = value;
  }
  return { catalog, skipped };
}

/** The `#,` flag that marks an entry whose msgid and msgstr are ICU messages (Weblate's name for it). */
export const ICU_FLAG = 'icu-message-format';

const PO_TO_CATALOG_KEYS: OptionKeys<PoToCatalogOptions> = { pluralForms: true };
const CATALOG_TO_PO_KEYS: OptionKeys<CatalogToPoOptions> = { locale: true, reference: true };

/** Options of {@link catalogToPo}. */
export interface CatalogToPoOptions {
  /** The catalog's locale, written to the `Language` header. */
  locale: string;
  /** The default locale's catalog: its text of each id is written as a `#.` comment for translators. */
  reference?: Readonly<Record<string, string>> | undefined;
}

/**
 * Writes an ICU catalog as a gettext `.po` file (with gettext-parser), for translators' tools
 * (Poedit, Weblate): one entry per id, `context\u0004id` as msgctxt + msgid, the translation
 * as msgstr, flagged `icu-message-format` so {@link poToCatalog} reads it back unchanged;
 * obsolete (`#~ `) ids become obsolete entries. Returns the file's UTF-8 bytes.
 */
export function catalogToPo(catalog: Readonly<Record<string, string>>, options: CatalogToPoOptions): Uint8Array {
  i18nOptions('catalogToPo', options, CATALOG_TO_PO_KEYS, {});
  const translations: Record<string, Record<string, GetTextTranslation>> = { '': {} };
  const obsolete: Record<string, Record<string, GetTextTranslation>> = {};
  translations['']![''] = { msgid: '', msgstr: [''] };
  for (const [rawKey, value] of Object.entries(catalog)) {
    const isObsolete = rawKey.startsWith(OBSOLETE_PREFIX);
    const key = isObsolete ? rawKey.slice(OBSOLETE_PREFIX.length) : rawKey;
    const cut = key.indexOf(CONTEXT_SEPARATOR);
    const context = cut === -1 ? '' : key.slice(0, cut);
    const id = cut === -1 ? key : key.slice(cut + 1);
    const source = options.reference?.[key];
    const entry: GetTextTranslation = {
      msgid: id,
      msgstr: [value],
      comments: { flag: ICU_FLAG, ...(source !== undefined && source !== id ? { extracted: source } : {}) },
      ...(cut === -1 ? {} : { msgctxt: context }),
    };
    const table = isObsolete ? obsolete : translations;
    table[context] ??= {};
    table[context]![id] = entry;
  }
  return po.compile(
    {
      charset: 'utf-8',
      headers: {
        'Content-Type': 'text/plain; charset=UTF-8',
        'Content-Transfer-Encoding': '8bit',
        Language: options.locale,
        'X-Generator': '@adv/i18n',
      },
      translations,
      obsolete,
    },
    { sort: true },
  );
}
