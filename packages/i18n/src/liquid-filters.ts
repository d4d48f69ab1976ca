import { type Liquid, toValue } from 'liquidjs';
import type { I18n } from './i18n.js';
import type { DateInput } from './types.js';

/** The l10n methods the LiquidJS filters call. */
export type LiquidFormatter = Pick<
  I18n,
  | 'formatDate'
  | 'formatTime'
  | 'formatDateTime'
  | 'formatNumber'
  | 'formatCurrency'
  | 'formatPercent'
  | 'formatRelativeTime'
  | 'formatList'
  | 'formatDisplayName'
>;

/** How the `t` filter translates and escapes: the same runtime as the `trans` tag's. */
export interface TranslateFilterRuntime {
  translate(id: string, values: Record<string, unknown>, context: unknown): string;
  escapeValues: boolean;
  escapeHtml(text: string): string;
}

// Like Liquid's own filters (and Django's `date` on None), a nil or empty value renders as
// nothing rather than as `1/1/1970`, `NaN` or `undefined`; a value that is not a number is
// shown as it is.
const blank = (value: unknown) => value === null || value === undefined || value === '';

/** Formats a number filter's input: a drop (`nil` is one) as its value, blank as nothing. */
function asNumber(input: unknown, format: (n: number | bigint) => string): string {
  const value: unknown = toValue(input);
  if (blank(value)) return '';
  const n = typeof value === 'number' || typeof value === 'bigint' ? value : Number(value);
  return typeof n === 'number' && Number.isNaN(n) ? String(value) : format(n);
}

/** Formats a date filter's input: a drop as its value, blank as nothing. */
function asDate(input: unknown, format: (d: DateInput) => string): string {
  const value: unknown = toValue(input);
  return blank(value) ? '' : format(value as DateInput);
}

/**
 * Whether a value reaches the output as text that may hold markup: strings, and objects that
 * render through `toString` (a `LazyMessage`, a drop), escaped as `{{ value }}` would escape
 * them. Numbers, booleans and dates are formatted by the message, never markup.
 */
const isText = (value: unknown): boolean =>
  typeof value === 'string' || (typeof value === 'object' && value !== null && !(value instanceof Date));

/** Registers the `t` filter: `{{ "cart.items" | t: count: n, context: "c" }}`. */
export function registerTranslateFilter(liquid: Liquid, runtime: TranslateFilterRuntime): void {
  const { translate, escapeValues, escapeHtml } = runtime;
  liquid.registerFilter('t', (id: unknown, ...args: unknown[]) => {
    if (blank(toValue(id))) return '';
    const values: Record<string, unknown> = {};
    let context: unknown;
    for (const arg of args) {
      if (!Array.isArray(arg) || typeof arg[0] !== 'string') continue;
      if (arg[0] === 'context') context = arg[1];
      else values[arg[0]] = escapeValues && isText(arg[1]) ? escapeHtml(String(arg[1])) : arg[1];
    }
    return translate(String(toValue(id)), values, context);
  });
}

const style = (value: unknown) => (typeof value === 'string' ? value : undefined) as never;

/** Registers `format_date`, `format_time` and `format_datetime` (a `dateStyle`/`timeStyle` argument). */
export function registerDateFilters(liquid: Liquid, i18n: LiquidFormatter): void {
  liquid.registerFilter('format_date', (value: unknown, dateStyle?: unknown) =>
    asDate(value, (d) => i18n.formatDate(d, dateStyle === undefined ? undefined : { dateStyle: style(dateStyle) })),
  );
  liquid.registerFilter('format_time', (value: unknown, timeStyle?: unknown) =>
    asDate(value, (d) => i18n.formatTime(d, timeStyle === undefined ? undefined : { timeStyle: style(timeStyle) })),
  );
  liquid.registerFilter('format_datetime', (value: unknown, dateStyle?: unknown, timeStyle?: unknown) =>
    asDate(value, (d) =>
      i18n.formatDateTime(d, {
        ...(dateStyle === undefined ? {} : { dateStyle: style(dateStyle) }),
        ...(timeStyle === undefined ? {} : { timeStyle: style(timeStyle) }),
      }),
    ),
  );
}

/** Registers `format_number`, `format_currency: "BRL"`, `format_percent` and `format_relative: "day"`. */
export function registerNumberFilters(liquid: Liquid, i18n: LiquidFormatter): void {
  liquid.registerFilter('format_number', (value: unknown, maximumFractionDigits?: unknown) =>
    asNumber(value, (n) =>
      i18n.formatNumber(n, typeof maximumFractionDigits === 'number' ? { maximumFractionDigits } : undefined),
    ),
  );
  liquid.registerFilter('format_currency', (value: unknown, currency: unknown) =>
    asNumber(value, (n) => i18n.formatCurrency(n, String(currency))),
  );
  liquid.registerFilter('format_percent', (value: unknown) => asNumber(value, (n) => i18n.formatPercent(Number(n))));
  liquid.registerFilter('format_relative', (value: unknown, unit: unknown) =>
    asNumber(value, (n) =>
      i18n.formatRelativeTime(Number(n), String(unit) as Intl.RelativeTimeFormatUnit, { numeric: 'auto' }),
    ),
  );
}

/** Registers `format_list` (conjunction, or a `disjunction`/`unit` argument) and `language_name`. */
export function registerListFilters(liquid: Liquid, i18n: LiquidFormatter): void {
  liquid.registerFilter('format_list', (input: unknown, type?: unknown) => {
    const items: unknown = toValue(input);
    if (blank(items)) return '';
    const list = Array.isArray(items)
      ? items
          .map((item: unknown) => toValue(item))
          .filter((item) => !blank(item))
          .map(String)
      : [String(items)];
    return i18n.formatList(list, { type: type === 'disjunction' || type === 'unit' ? type : 'conjunction' });
  });
  liquid.registerFilter('language_name', (input: unknown) => {
    const code: unknown = toValue(input);
    return blank(code) ? '' : i18n.formatDisplayName(String(code), { type: 'language' });
  });
}
