import { CONTEXT_SEPARATOR } from './catalog.js';

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
 * Parses a gettext `.po` file (what Django's makemessages writes): msgctxt, msgid,
 * msgid_plural, msgstr / msgstr[n], multi-line strings, the `fuzzy` flag; obsolete (`#~`)
 * entries and the header are skipped. Hand-written: the .po parsers on npm are CommonJS-only
 * or unmaintained, and the grammar is small.
 */
export function parsePo(text: string): PoEntry[] {
  const entries: PoEntry[] = [];
  let current: { context?: string; id?: string; idPlural?: string; strings: string[]; fuzzy: boolean } | undefined;
  let field: ((value: string) => void) | undefined;
  let fuzzyNext = false;
  const flush = () => {
    if (current?.id !== undefined && current.id !== '') {
      entries.push({
        context: current.context,
        id: current.id,
        idPlural: current.idPlural,
        strings: current.strings,
        fuzzy: current.fuzzy,
      });
    }
    current = undefined;
    field = undefined;
  };
  const entry = () => {
    current ??= { strings: [], fuzzy: fuzzyNext };
    fuzzyNext = false;
    return current;
  };
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '') {
      flush();
      continue;
    }
    if (line.startsWith('#')) {
      if (line.startsWith('#,') && /\bfuzzy\b/.test(line)) fuzzyNext = true;
      field = undefined;
      continue;
    }
    const keyword = /^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$/.exec(line);
    if (keyword) {
      const [, name, index, value] = keyword;
      if (name === 'msgctxt' || (name === 'msgid' && current?.strings.length)) flush();
      const target = entry();
      const text = unquote(value!);
      if (name === 'msgctxt') {
        target.context = text;
        field = (more) => (target.context += more);
      } else if (name === 'msgid') {
        target.id = text;
        field = (more) => (target.id += more);
      } else if (name === 'msgid_plural') {
        target.idPlural = text;
        field = (more) => (target.idPlural += more);
      } else {
        const i = index === undefined ? 0 : Number(index);
        target.strings[i] = text;
        field = (more) => (target.strings[i] += more);
      }
      continue;
    }
    if (line.startsWith('"') && field) field(unquote(line));
  }
  flush();
  return entries;
}

function unquote(quoted: string): string {
  return quoted.slice(1, -1).replace(/\\(.)/g, (_, c: string) => ({ n: '\n', t: '\t', r: '\r' })[c as 'n'] ?? c);
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
