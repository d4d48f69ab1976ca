import type { OptionKeys } from '@adv/types';
import {
  type Context,
  type Emitter,
  evalToken,
  Hash,
  type Liquid,
  Tag,
  type TagToken,
  type TopLevelToken,
  TypeGuards,
  toValue,
  type ValueToken,
} from 'liquidjs';
import { blocktransId, hashKeys } from './blocktrans.js';
import { CONTEXT_SEPARATOR } from './catalog.js';
import { describe, I18nError } from './errors.js';
import type { I18n } from './i18n.js';
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
 * - `{% trans "cart.items" count: cart.size %}`, `{% trans "May" context: "month" %}`
 * - `{% blocktrans count: n %}{count, plural, one {# item} other {# items}}{% endblocktrans %}`:
 *   the trimmed body is the message id (gettext style) and the default-language text; a
 *   Django-style body (`{{ count }} item{% plural %}{{ count }} items`) is turned into that ICU id.
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
  const translate = (id: unknown, hash: Record<string, unknown>): string => {
    const { context, ...rest } = hash;
    const values: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(rest))
      values[key] = escapeValues && isText(value) ? escapeHtml(String(value)) : value;
    if (context === undefined) return i18n.t(String(id), values as MessageValues);
    // `pgettext` shows the id, not `context\u0004id`, when no catalog has the pair.
    if (typeof i18n.pgettext === 'function') {
      return i18n.pgettext(String(context), String(id) as never, values as MessageValues);
    }
    return i18n.t(`${String(context)}${CONTEXT_SEPARATOR}${String(id)}`, values as MessageValues);
  };
  const separator = liquid.options.keyValueSeparator;
  const isCatalogued = (id: unknown, context: unknown): boolean => {
    if (typeof i18n.has !== 'function') return true;
    return i18n.has(context === undefined ? String(id) : `${String(context)}${CONTEXT_SEPARATOR}${String(id)}`);
  };

  liquid.registerTag(
    'trans',
    class TransTag extends Tag {
      readonly #id: ValueToken;
      readonly #literal: boolean;
      readonly #hash: Hash;
      constructor(token: TagToken, remain: TopLevelToken[], engine: Liquid) {
        super(token, remain, engine);
        this.#id = this.tokenizer.readValueOrThrow();
        this.#literal = TypeGuards.isQuotedToken(this.#id);
        this.#hash = new Hash(this.tokenizer, separator);
      }
      *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
        const id = yield evalToken(this.#id, ctx);
        const hash = (yield this.#hash.render(ctx)) as Record<string, unknown>;
        const text = translate(id, hash);
        // `{% trans variable %}` whose value no catalog has is data, not a trusted message
        // (Django escapes it too): escape it as `{{ variable }}` would be.
        const untrusted = escapeValues && !this.#literal && !isCatalogued(id, hash.context);
        emitter.write(untrusted ? escapeHtml(text) : text);
      }
    },
  );

  liquid.registerTag(
    'blocktrans',
    class BlockTransTag extends Tag {
      readonly #id: string;
      readonly #hash: Hash;
      constructor(token: TagToken, remain: TopLevelToken[], engine: Liquid) {
        super(token, remain, engine);
        // Django writes `count=n`, Liquid `count: n`: accept both.
        const djangoArgs = token.args.includes('=') && !token.args.includes(':');
        this.#hash = new Hash(this.tokenizer, djangoArgs ? '=' : separator);
        const singular: string[] = [];
        let plural: string[] | undefined;
        for (;;) {
          const next = remain.shift();
          if (next === undefined) throw new Error(`tag ${token.getText()} not closed`);
          if (TypeGuards.isTagToken(next) && next.name === 'endblocktrans') break;
          if (TypeGuards.isTagToken(next) && next.name === 'plural' && plural === undefined) plural = [];
          else (plural ?? singular).push(next.getText());
        }
        this.#id = blocktransId(singular.join(''), plural?.join(''), hashKeys(token.args));
      }
      *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
        const hash = (yield this.#hash.render(ctx)) as Record<string, unknown>;
        emitter.write(translate(this.#id, hash));
      }
    },
  );

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
    const hash: Record<string, unknown> = {};
    for (const arg of args) if (Array.isArray(arg) && typeof arg[0] === 'string') hash[arg[0]] = arg[1];
    return translate(id, hash);
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
