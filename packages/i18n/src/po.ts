import { po } from 'gettext-parser';
import { CONTEXT_SEPARATOR } from './catalog.js';
import { I18nError } from './errors.js';

/** One translated entry of a gettext `.po` file. */
export interface PoEntry {
  readonly context: string | undefined;
  readonly id: string;
  readonly idPlural: string | undefined;
  /** `msgstr`, or `msgstr[0..n]` for plurals. */
  readonly strings: readonly string[];
  readonly fuzzy: boolean;
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
export function parsePo(input: string | Uint8Array): PoEntry[] {
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
      const flags = (message.comments?.flag ?? '').split(',').map((flag) => flag.trim());
      entries.push({
        // gettext-parser files entries without msgctxt under "".
        context: message.msgctxt ?? (context === '' ? undefined : context),
        id: message.msgid,
        idPlural: message.msgid_plural,
        strings: message.msgstr,
        fuzzy: flags.includes('fuzzy'),
      });
    }
  }
  return entries;
}

const ORDER = ['zero', 'one', 'two', 'few', 'many', 'other'];

/**
 * Converts Python-format text to ICU: `%(name)s` -> `{name}`, `%s` -> `{0}`, `%%` -> `%`, and
 * literal braces and apostrophes escaped; in plural branches the count becomes `#`.
 */
export function pythonFormatToIcu(text: string, countName?: string): string {
  let position = 0;
  const escaped = text.replace(/'/g, "''").replace(/[{}]/g, (brace) => `'${brace}'`);
  return escaped.replace(
    /%(?:\((\w+)\))?[#0 +-]*\d*(?:\.\d+)?([sdifgeEGxXr%])/g,
    (_match, name: string, kind: string) => {
      if (kind === '%') return '%';
      const argument = name ?? String(position++);
      return countName !== undefined && argument === countName ? '#' : `{${argument}}`;
    },
  );
}

/** The ICU plural argument name of a gettext plural: the first `%(name)d`, or `count`. */
function countNameOf(idPlural: string): string {
  return /%\((\w+)\)[di]/.exec(idPlural)?.[1] ?? /%\((\w+)\)s/.exec(idPlural)?.[1] ?? 'count';
}

function plural(forms: readonly string[], categories: readonly string[], countName: string): string {
  const arms = forms.map((form, i) => `${categories[i]} {${pythonFormatToIcu(form, countName)}}`);
  return `{${countName}, plural, ${arms.join(' ')}}`;
}

/** Result of {@link poToCatalog}: the ICU catalog and what could not be converted. */
export interface PoConversion {
  readonly catalog: Record<string, string>;
  readonly skipped: readonly { id: string; reason: string }[];
}

/**
 * Turns `.po` entries into an ICU catalog keyed the way `extract` keys ids: the msgid (for
 * plurals, the English ICU plural built from msgid/msgid_plural) converted to ICU, prefixed by
 * `context\u0004` when there is a msgctxt. Fuzzy and untranslated entries are skipped; plural
 * forms map to the locale's CLDR categories in order (one/other for two forms).
 */
export function poToCatalog(entries: readonly PoEntry[], locale: string): PoConversion {
  const catalog: Record<string, string> = Object.create(null);
  const skipped: { id: string; reason: string }[] = [];
  const categories = new Intl.PluralRules(locale).resolvedOptions().pluralCategories;
  const ordered = ORDER.filter((category) => (categories as string[]).includes(category));
  for (const entry of entries) {
    if (entry.fuzzy) {
      skipped.push({ id: entry.id, reason: 'fuzzy' });
      continue;
    }
    if (entry.strings.length === 0 || entry.strings.every((s) => s === '')) {
      skipped.push({ id: entry.id, reason: 'untranslated' });
      continue;
    }
    let key: string;
    let value: string;
    if (entry.idPlural === undefined) {
      key = pythonFormatToIcu(entry.id);
      value = pythonFormatToIcu(entry.strings[0] ?? '');
    } else {
      const countName = countNameOf(entry.idPlural);
      const target = entry.strings.length === 2 ? ['one', 'other'] : entry.strings.length === 1 ? ['other'] : ordered;
      if (target.length !== entry.strings.length) {
        skipped.push({ id: entry.id, reason: `${entry.strings.length} plural forms; ${locale} has ${ordered.length}` });
        continue;
      }
      key = plural([entry.id, entry.idPlural], ['one', 'other'], countName);
      value = plural(entry.strings, target, countName);
    }
    catalog[entry.context === undefined ? key : `${entry.context}${CONTEXT_SEPARATOR}${key}`] = value;
  }
  return { catalog, skipped };
}
