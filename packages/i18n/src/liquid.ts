import type { OptionKeys } from '@adv/types';
import type { Liquid } from 'liquidjs';
import { CONTEXT_SEPARATOR } from './catalog.js';
import { describe, I18nError } from './errors.js';
import type { I18n } from './i18n.js';
import {
  type LiquidFormatter,
  registerDateFilters,
  registerListFilters,
  registerNumberFilters,
  registerTranslateFilter,
} from './liquid-filters.js';
import { blocktransTag, type TagRuntime, transTag } from './liquid-tags.js';
import { i18nOptions } from './options.js';
import type { MessageValues } from './types.js';

/** The part of an i18n instance the LiquidJS tags and filters use. */
export type LiquidI18n = Pick<I18n, 't'> & LiquidFormatter & Partial<Pick<I18n, 'pgettext' | 'has'>>;

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
  const runtime = tagRuntime(i18n, given ?? Boolean(liquid.options.outputEscape));
  registerTags(liquid, runtime);
  registerTranslateFilter(liquid, runtime);
  registerDateFilters(liquid, i18n);
  registerNumberFilters(liquid, i18n);
  registerListFilters(liquid, i18n);
}

/** How the tags and the `t` filter translate: `pgettext` for a context, `has` to know what a catalog holds. */
function tagRuntime(i18n: LiquidI18n, escapeValues: boolean): TagRuntime {
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
  return { translate, isCatalogued, escapeValues, escapeHtml };
}

/** Registers `trans`/`blocktrans` and, as Django 3.1 renamed them, `translate`/`blocktranslate`. */
function registerTags(liquid: Liquid, runtime: TagRuntime): void {
  const Trans = transTag(runtime);
  const BlockTrans = blocktransTag(runtime);
  liquid.registerTag('trans', Trans);
  liquid.registerTag('translate', Trans);
  liquid.registerTag('blocktrans', BlockTrans);
  liquid.registerTag('blocktranslate', BlockTrans);
}
