import { type MessageFormatElement, TYPE } from '@formatjs/icu-messageformat-parser';
import { IntlMessageFormat } from 'intl-messageformat';
import type { CompiledMessage } from './catalog.js';
import { formatPython, type PythonSpec, parsePythonStyle } from './python-format.js';

/** One message as a locale's table sees it: the compiled message and its cached formatters. */
export interface MessageEntry {
  /** The locale whose catalog the message came from (differs from the active one on fallback). */
  readonly locale: string;
  readonly message: CompiledMessage;
  /** Formatter for messages without dates or times (independent of the time zone). */
  formatter: IntlMessageFormat | undefined;
  /** Formatters of date/time messages, one per time zone. */
  byTimeZone: Map<string, IntlMessageFormat> | undefined;
  /** Formatters for other requested locales on fallback (`pt-PT` served from `pt`), by locale and time zone. */
  byLocale?: Map<string, IntlMessageFormat> | undefined;
}

/** Marks the options of a Python-format number style (`{size, number, %.1f}`, from `import-po`). */
const PYTHON_SPEC = Symbol('python-spec');
const pythonStyles = new Map<string, object>();

/** The named number formats a message needs for its Python-format styles (one stable object per style). */
function pythonFormatsOf(elements: readonly MessageFormatElement[], found: Record<string, object> = {}) {
  for (const element of elements) {
    if (element.type === TYPE.number && typeof element.style === 'string' && element.style.startsWith('%')) {
      let options = pythonStyles.get(element.style);
      if (options === undefined) {
        const spec = parsePythonStyle(element.style);
        if (spec === undefined) continue;
        options = { [PYTHON_SPEC]: spec };
        pythonStyles.set(element.style, options);
      }
      found[element.style] = options;
    }
    if (element.type === TYPE.plural || element.type === TYPE.select) {
      for (const option of Object.values(element.options)) pythonFormatsOf(option.value, found);
    }
  }
  return found;
}

type MessageFormatters = NonNullable<NonNullable<ConstructorParameters<typeof IntlMessageFormat>[3]>['formatters']>;

const NO_OPTIONS = {};

/**
 * A formatter cache keyed by locale and by the identity of the options object. IntlMessageFormat
 * passes the same options object on every call (the parsed skeleton, or its own named format),
 * so identity is a valid key; fast-memoize, which @formatjs/intl uses, builds a JSON key on every
 * call instead, which measured 30% of the time of `format()`. Written by hand for that reason.
 */
function byIdentity<F>(create: (locale: string | string[] | undefined, options: object | undefined) => F) {
  const byLocale = new Map<string, WeakMap<object, F>>();
  return (locales: string | string[] | undefined, options?: object): F => {
    const key = typeof locales === 'string' ? locales : JSON.stringify(locales ?? null);
    let cache = byLocale.get(key);
    if (cache === undefined) {
      cache = new WeakMap();
      byLocale.set(key, cache);
    }
    const slot = options ?? NO_OPTIONS;
    let formatter = cache.get(slot);
    if (formatter === undefined) {
      formatter = create(locales, options);
      cache.set(slot, formatter);
    }
    return formatter;
  };
}

/** The language subtag of a tag: `pt-PT` -> `pt`. */
const languageOf = (locale: string) => locale.split('-', 1)[0]!.toLowerCase();

function formattersFor(timeZone: string | undefined, pluralLocale?: string): MessageFormatters {
  const getNumberFormat = byIdentity((locales, options) => {
    const spec = (options as { [PYTHON_SPEC]?: PythonSpec } | undefined)?.[PYTHON_SPEC];
    if (spec !== undefined) return { format: (value: unknown) => formatPython(spec, value) };
    return new Intl.NumberFormat(locales, options as Intl.NumberFormatOptions);
  });
  // Skeletons and style-less `{d, date}` carry no time zone: add the scope's one.
  const getDateTimeFormat = byIdentity(
    (locales, options) => new Intl.DateTimeFormat(locales, timeZone === undefined ? options : { timeZone, ...options }),
  );
  const plurals = new Map<string, Intl.PluralRules>();
  const getPluralRules = (locales?: string | string[], options?: Intl.PluralRulesOptions) => {
    const key = `${typeof locales === 'string' ? locales : JSON.stringify(locales ?? null)}\u0000${options?.type ?? 'cardinal'}`;
    let rules = plurals.get(key);
    if (rules === undefined) {
      rules = new Intl.PluralRules(pluralLocale ?? locales, options);
      plurals.set(key, rules);
    }
    return rules;
  };
  return { getNumberFormat, getDateTimeFormat, getPluralRules } as MessageFormatters;
}

/**
 * Creates `IntlMessageFormat` instances once per message (and per time zone for messages with
 * dates), with `Intl` formatters cached by options identity (see {@link byIdentity}); this is
 * what makes `t` faster than `intl.formatMessage`, which finds its formatters through JSON keys.
 */
export class MessageFormatterPool {
  readonly #base = formattersFor(undefined);
  readonly #shared = new Map<string, MessageFormatters>();

  /**
   * The (cached) formatter of `entry` for a request in `locale` (default: the entry's own), for
   * `timeZone` when the message has dates or times. On fallback the message's text comes from
   * another catalog, but numbers and dates are formatted for the requested locale (`pt-PT`
   * served from `pt` writes `1234,5` and picks pt-PT's plural forms). When the fallback crosses
   * languages (a `fr` request shown the `en` text) the plural forms stay the text's language's,
   * as gettext takes them from the catalog that has the message.
   */
  formatterOf(entry: MessageEntry, timeZone: string, locale: string = entry.locale): IntlMessageFormat {
    if (locale !== entry.locale) {
      entry.byLocale ??= new Map();
      const key = entry.message.usesDateTime ? `${locale}\u0000${timeZone}` : locale;
      let formatter = entry.byLocale.get(key);
      if (formatter === undefined) {
        const pluralLocale = languageOf(locale) === languageOf(entry.locale) ? undefined : entry.locale;
        const zone = entry.message.usesDateTime ? timeZone : undefined;
        formatter = this.#create(entry, this.#formatters(zone, pluralLocale), locale);
        entry.byLocale.set(key, formatter);
      }
      return formatter;
    }
    if (!entry.message.usesDateTime) {
      if (entry.formatter === undefined) entry.formatter = this.#create(entry, this.#base);
      return entry.formatter;
    }
    entry.byTimeZone ??= new Map();
    let formatter = entry.byTimeZone.get(timeZone);
    if (formatter === undefined) {
      formatter = this.#create(entry, this.#formatters(timeZone, undefined));
      entry.byTimeZone.set(timeZone, formatter);
    }
    return formatter;
  }

  /** The shared formatters of a time zone (and of a plural-rules locale other than the formatter's). */
  #formatters(timeZone: string | undefined, pluralLocale: string | undefined): MessageFormatters {
    if (timeZone === undefined && pluralLocale === undefined) return this.#base;
    const key = `${timeZone ?? ''}\u0000${pluralLocale ?? ''}`;
    let formatters = this.#shared.get(key);
    if (formatters === undefined) {
      formatters = formattersFor(timeZone, pluralLocale);
      this.#shared.set(key, formatters);
    }
    return formatters;
  }

  #create(entry: MessageEntry, formatters: MessageFormatters, locale: string = entry.locale): IntlMessageFormat {
    const python = entry.message.source.includes('%') ? pythonFormatsOf(entry.message.ast) : {};
    const formats = Object.keys(python).length === 0 ? undefined : { number: python };
    return new IntlMessageFormat(entry.message.ast, locale, formats as never, { formatters });
  }
}

/** Builds a locale's lookup table from its fallback chain: the first catalog with an id wins. */
export function buildTable(
  chain: readonly string[],
  entriesOf: (locale: string) => ReadonlyMap<string, MessageEntry> | undefined,
): Map<string, MessageEntry> {
  const table = new Map<string, MessageEntry>();
  for (let i = chain.length - 1; i >= 0; i--) {
    const entries = entriesOf(chain[i]!);
    if (entries) for (const [id, entry] of entries) table.set(id, entry);
  }
  return table;
}
