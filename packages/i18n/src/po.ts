import type { OptionKeys } from '@adv/types';
import { type GetTextTranslation, po } from 'gettext-parser';
import { icuLiteral } from './blocktrans.js';
import { CONTEXT_SEPARATOR, OBSOLETE_PREFIX } from './catalog.js';
import { I18nError } from './errors.js';
import { i18nOptions } from './options.js';
import { formIndexByCategory, PLURAL_CATEGORIES } from './plural-forms.js';
import { pythonFormatToIcu } from './python-format.js';

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
  const ordered = PLURAL_CATEGORIES.filter((category) => (categories as string[]).includes(category));
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
