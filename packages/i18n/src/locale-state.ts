import type { CatalogRegistry } from './catalog-registry.js';
import { describe, I18nError } from './errors.js';
import { fallbackChain, isValidTimeZone } from './locale-tags.js';
import { buildTable, type MessageEntry } from './message-table.js';
import type { ResolvedOptions } from './options.js';

/** What an i18n instance knows of one supported locale: its fallback chain and message table. */
export interface LocaleState {
  readonly locale: string;
  readonly chain: readonly string[];
  table: Map<string, MessageEntry> | undefined;
}

/** The active locale and time zone of one async scope. */
export interface Scope {
  state: LocaleState;
  timeZone: string;
  /** The locale prefix of the request's path (`/pt-br`), `''` without one (see `getPathPrefix`). */
  prefix: string;
}

/** The locale states of one i18n instance, built on first use and reset when a catalog changes. */
export interface LocaleStates {
  readonly defaultState: LocaleState;
  /** The state of a canonical locale (created on first use). */
  stateOf(locale: string): LocaleState;
  /** The merged message table of a state's chain (built on first use). */
  tableOf(state: LocaleState): Map<string, MessageEntry>;
  /** The supported locale a tag names, case-insensitively; throws `ERR_UNKNOWN_LOCALE` otherwise. */
  supported(locale: string): string;
  /** The supported locale a tag names, case-insensitively, or `undefined`. */
  resolveLocale(tag: string): string | undefined;
}

/** Creates the locale states over `registry`: a catalog change drops every built table. */
export function createLocaleStates(resolved: ResolvedOptions, registry: CatalogRegistry): LocaleStates {
  const { locales, defaultLocale } = resolved;
  const byLowercase = new Map(locales.map((locale) => [locale.toLowerCase(), locale]));
  const known = new Set([...locales, ...Object.keys(resolved.messages), ...Object.values(resolved.fallback).flat()]);
  const states = new Map<string, LocaleState>();
  const stateOf = (locale: string): LocaleState => {
    let state = states.get(locale);
    if (!state) {
      state = { locale, chain: fallbackChain(locale, defaultLocale, known, resolved.fallback), table: undefined };
      states.set(locale, state);
    }
    return state;
  };
  registry.onChange = () => {
    for (const state of states.values()) state.table = undefined;
  };
  for (const locale of locales) stateOf(locale);
  const resolveLocale = (tag: string): string | undefined =>
    typeof tag === 'string' ? byLowercase.get(tag.toLowerCase()) : undefined;
  return {
    defaultState: stateOf(defaultLocale),
    stateOf,
    tableOf: (state) => (state.table ??= buildTable(state.chain, (locale) => registry.entries(locale))),
    supported: (locale) => {
      const found = resolveLocale(locale);
      if (found === undefined) {
        throw new I18nError(
          'ERR_UNKNOWN_LOCALE',
          `Expected \`locale\` to be one of ${locales.map((l) => `\`${l}\``).join(', ')}, got ${describe(locale)}`,
        );
      }
      return found;
    },
    resolveLocale,
  };
}

/** `timeZone` if given (throws `ERR_INVALID_OPTION` unless it is an IANA zone), else `fallback`. */
export function timeZoneOr(timeZone: string | undefined, fallback: string): string {
  if (timeZone === undefined) return fallback;
  if (!isValidTimeZone(timeZone)) {
    throw new I18nError(
      'ERR_INVALID_OPTION',
      `Expected \`timeZone\` to be an IANA time zone, got ${describe(timeZone)}`,
    );
  }
  return timeZone;
}
