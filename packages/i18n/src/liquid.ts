import type { OptionKeys } from '@adv/types';
import { type Liquid, toValue } from 'liquidjs';
import { CONTEXT_SEPARATOR } from './catalog.js';
import { describe, I18nError } from './errors.js';
import type { I18n } from './i18n.js';
import { blocktransTag, type TagRuntime, transTag } from './liquid-tags.js';
import { i18nOptions } from './options.js';
import type { DateInput, MessageValues } from './types.js';

/** The part of an i18n instance the LiquidJS tags and filters use. */
export type LiquidI18n = Pick<
  I18n,
  | 't'
  | 'formatDate'
  | 'formatTime'
  | 'formatDateTime'
  | 'formatNumber'
  | 'formatCurrency'
  | 'formatPercent'
  | 'formatRelativeTime'
  | 'formatList'
  | 'formatDisplayName'
> &
  Partial<Pick<I18n, 'pgettext' | 'has'>>;

/** Options of {@link registerI18n}. */
export interface LiquidI18nOptions {
  /**
   * HTML-escape text values (strings, lazy messages, drops) passed to `trans`/`blocktrans`
   * before they are put into the message (the message itself is trusted). Defaults to on when the engine has `outputEscape`.
   */
  escapeValues?: boolean | undefined;
}

const LIQUID_KEYS: OptionKeys<LiquidI18nOptions> = { escapeValues: true };

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
/**
 * Whether a value reaches the output as text that may hold markup: strings, and objects that
 * render through `toString` (a `LazyMessage`, a drop), escaped as `{{ value }}` would escape
 * them. Numbers, booleans and dates are formatted by the message, never markup.
 */
const isText = (value: unknown): boolean =>
  typeof value === 'string' || (typeof value === 'object' && value !== null && !(value instanceof Date));

/**
 * Adds Django's `{% trans %}` / `{% blocktrans %}` and l10n filters to a LiquidJS engine. The
 * locale and time zone are the active ones (`localeMiddleware` or `withLocale` around `render`).
 *
 * - `{% trans "cart.items" count: cart.size %}`, `{% trans "May" context: "month" %}`; Django's
 *   `{% trans "May" context "month" as var %}`, `noop` and filters (`"Title"|upcase`) too.
 * - `{% blocktrans %}Hello {{ name }}{% endblocktrans %}`: Django's block: its body is the message
 *   id, `{{ name }}` comes from `with name=expr` or the template's scope, `count n=expr` with
 *   `{% plural %}`, `context "c"`, `trimmed`, `asvar v`; literal braces are text. A body that is
 *   an ICU message over the bound names (`{% blocktrans count: n %}{count, plural, …}`) is used as is.
 * - `{% translate %}` / `{% blocktranslate %}` are the same tags under Django's newer names.
 * - filters: `t`, `format_date`, `format_time`, `format_datetime` (a `dateStyle`/`timeStyle` argument),
 *   `format_number`, `format_currency: "BRL"`, `format_percent`, `format_relative: "day"`,
 *   `format_list`, `language_name`.
 *
 * @example
 * ```ts
 * import { registerI18n } from '@adv/i18n/liquid';
 * const engine = new Liquid();
 * registerI18n(engine, i18n);
 * ```
 */
export function registerI18n(liquid: Liquid, i18n: LiquidI18n, options: LiquidI18nOptions = {}): void {
  if (typeof liquid?.registerTag !== 'function') {
    throw new I18nError('ERR_INVALID_OPTION', `Expected \`liquid\` to be a LiquidJS engine, got ${describe(liquid)}`);
  }
  if (typeof i18n?.t !== 'function') {
    throw new I18nError('ERR_INVALID_OPTION', `Expected \`i18n\` to be an i18n instance, got ${describe(i18n)}`);
  }
  const { escapeValues: given } = i18nOptions('registerI18n', options, LIQUID_KEYS, {});
  const escapeValues = given ?? Boolean(liquid.options.outputEscape);
  const translate = (id: string, values: Record<string, unknown>, context: unknown): string => {
    if (context === undefined) return i18n.t(id, values as MessageValues);
    // `pgettext` shows the id, not `context\u0004id`, when no catalog has the pair.
    if (typeof i18n.pgettext === 'function')
      return i18n.pgettext(String(context), id as never, values as MessageValues);
    return i18n.t(`${String(context)}${CONTEXT_SEPARATOR}${id}`, values as MessageValues);
  };
  const isCatalogued = (id: string, context: unknown): boolean => {
    if (typeof i18n.has !== 'function') return true;
    return i18n.has(context === undefined ? id : `${String(context)}${CONTEXT_SEPARATOR}${id}`);
  };
  const runtime: TagRuntime = { translate, isCatalogued, escapeValues, escapeHtml };
  const Trans = transTag(runtime);
  const BlockTrans = blocktransTag(runtime);
  // Django 3.1 renamed the tags `translate` / `blocktranslate`; both names work there and here.
  liquid.registerTag('trans', Trans);
  liquid.registerTag('translate', Trans);
  liquid.registerTag('blocktrans', BlockTrans);
  liquid.registerTag('blocktranslate', BlockTrans);

  // Like Liquid's own filters (and Django's `date` on None), a nil or empty value renders as
  // nothing rather than as `1/1/1970`, `NaN` or `undefined`; a value that is not a number is
  // shown as it is.
  const blank = (value: unknown) => value === null || value === undefined || value === '';
  const asNumber = (input: unknown, format: (n: number | bigint) => string): string => {
    const value: unknown = toValue(input); // a drop (`nil` is one) as its value
    if (blank(value)) return '';
    const n = typeof value === 'number' || typeof value === 'bigint' ? value : Number(value);
    return typeof n === 'number' && Number.isNaN(n) ? String(value) : format(n);
  };
  const asDate = (input: unknown, format: (d: DateInput) => string): string => {
    const value: unknown = toValue(input);
    return blank(value) ? '' : format(value as DateInput);
  };

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
  const style = (value: unknown) => (typeof value === 'string' ? value : undefined) as never;
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
