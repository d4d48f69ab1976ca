import type { AsyncLocalStorage } from 'node:async_hooks';
import { compileMessage } from './catalog.js';
import { I18nError } from './errors.js';
import type { LocaleState, LocaleStates, Scope } from './locale-state.js';
import type { MessageEntry, MessageFormatterPool } from './message-table.js';
import type { MessageValues, MissingMessage } from './types.js';

/** How many distinct untranslated ids keep their compiled message (the cache is then reset). */
const MAX_UNTRANSLATED = 1000;

/** What {@link createTranslator} needs from its i18n instance. */
export interface TranslatorContext {
  readonly storage: AsyncLocalStorage<Scope>;
  readonly states: LocaleStates;
  readonly pool: MessageFormatterPool;
  readonly defaultLocale: string;
  readonly timeZone: string;
  readonly onMissing: ((event: MissingMessage) => string | undefined) | undefined;
  readonly onError: (error: I18nError) => void;
}

/** `translate(key, values, source?)`: looks `key` up in the active locale and formats it. */
export type Translate = (key: string, values: MessageValues | undefined, source?: string) => string;

/**
 * Creates the lookup behind `t`, `pgettext` and `lazy`. When no catalog has `key`, `source`
 * (the id itself, without a pgettext context) is formatted as a message of the default
 * locale, like gettext returning the msgid: `{% blocktrans %}` and ICU ids render as text,
 * not as raw ICU, before they are extracted into a catalog.
 */
export function createTranslator(context: TranslatorContext): Translate {
  const { storage, states, pool, timeZone, onMissing, onError } = context;
  const { defaultState, tableOf } = states;
  const untranslatedEntry = untranslatedEntries(context.defaultLocale);
  return function translate(key, values, source = key) {
    const scope = storage.getStore();
    const state = scope ? scope.state : defaultState;
    let entry = (state.table ?? tableOf(state)).get(key);
    if (entry === undefined || entry.locale !== state.locale) {
      const replacement = onMissing ? reportMissing(onMissing, key, state, entry) : undefined;
      if (replacement !== undefined) return replacement;
      if (entry === undefined) {
        if (typeof source !== 'string') return String(source);
        entry = untranslatedEntry(source);
        if (entry === undefined) return source;
      }
    }
    const literal = entry.message.literal;
    if (literal !== undefined) return literal;
    return formatEntry(pool, entry, key, values, scope ? scope.timeZone : timeZone, state.locale, onError);
  };
}

/** Calls `onMissing` for `id`, missing in `state`'s locale (`entry` is its fallback, if any). */
function reportMissing(
  onMissing: (event: MissingMessage) => string | undefined,
  id: string,
  state: LocaleState,
  entry: MessageEntry | undefined,
): string | undefined {
  return onMissing({ id, locale: state.locale, fallbackLocale: entry?.locale });
}

/**
 * Formats `entry` with `values`; a formatting error goes to `onError` and shows the message's
 * source instead.
 */
function formatEntry(
  pool: MessageFormatterPool,
  entry: MessageEntry,
  key: string,
  values: MessageValues | undefined,
  timeZone: string,
  locale: string,
  onError: (error: I18nError) => void,
): string {
  try {
    const output: unknown = pool.formatterOf(entry, timeZone, locale).format(values);
    // Object values (a LazyMessage, a Liquid drop) make IntlMessageFormat return parts.
    return typeof output === 'string' ? output : Array.isArray(output) ? output.join('') : String(output);
  } catch (cause) {
    onError(
      new I18nError('ERR_FORMAT', `Could not format message ${JSON.stringify(key)} in ${entry.locale}`, { cause }),
    );
    return entry.message.source;
  }
}

/**
 * Ids no catalog has, compiled as messages of the default locale (gettext returns the msgid);
 * `undefined` for an id that is not ICU (a key such as `a.{b`), shown as is. Bounded cache.
 */
function untranslatedEntries(defaultLocale: string): (source: string) => MessageEntry | undefined {
  const untranslated = new Map<string, MessageEntry | null>();
  return (source) => {
    let entry = untranslated.get(source);
    if (entry === undefined) {
      try {
        entry = { locale: defaultLocale, message: compileMessage(source), formatter: undefined, byTimeZone: undefined };
      } catch {
        entry = null;
      }
      if (untranslated.size >= MAX_UNTRANSLATED) untranslated.clear();
      untranslated.set(source, entry);
    }
    return entry ?? undefined;
  };
}
