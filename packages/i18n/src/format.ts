import type { IntlShape } from '@formatjs/intl';
import { describe, I18nError } from './errors.js';
import type { DateInput } from './types.js';

/**
 * Localized formatting in the active locale and time zone. Each method goes through
 * @formatjs/intl, whose `Intl.*` constructors are memoized in one cache per i18n instance; a
 * value that cannot be formatted is reported through `onError` and returned as plain text.
 */
export interface Localizer {
  /** A date: `formatDate(d)` -> `11/25/2026` (en), `25/11/2026` (pt-BR); any `Intl.DateTimeFormat` options. */
  formatDate(value: DateInput, options?: Intl.DateTimeFormatOptions): string;
  /** A time of day: `formatTime(d)` -> `2:30 PM` (en), `14:30` (pt-BR). */
  formatTime(value: DateInput, options?: Intl.DateTimeFormatOptions): string;
  /** Date and time together, `dateStyle: 'medium'` and `timeStyle: 'short'` unless overridden. */
  formatDateTime(value: DateInput, options?: Intl.DateTimeFormatOptions): string;
  /** A number: `formatNumber(1234.5)` -> `1,234.5` (en), `1.234,5` (pt-BR). */
  formatNumber(value: number | bigint, options?: Intl.NumberFormatOptions): string;
  /** An amount of money in an ISO 4217 currency: `formatCurrency(9.9, 'BRL')` -> `R$ 9,90` (pt-BR). */
  formatCurrency(value: number | bigint, currency: string, options?: Intl.NumberFormatOptions): string;
  /** A ratio as a percentage: `formatPercent(0.25)` -> `25%`. */
  formatPercent(value: number, options?: Intl.NumberFormatOptions): string;
  /** A relative time: `formatRelativeTime(-1, 'day', { numeric: 'auto' })` -> `yesterday` / `ontem`. */
  formatRelativeTime(
    value: number,
    unit: Intl.RelativeTimeFormatUnit,
    options?: Intl.RelativeTimeFormatOptions,
  ): string;
  /** A list: `formatList(['a', 'b', 'c'])` -> `a, b, and c` (en), `a, b e c` (pt-BR). */
  formatList(items: readonly string[], options?: Intl.ListFormatOptions): string;
  /** The name of a language, region, script or currency: `formatDisplayName('pt-BR', { type: 'language' })`. */
  formatDisplayName(code: string, options: Intl.DisplayNamesOptions): string;
}

const CURRENCY = /^[A-Za-z]{3}$/;

/** Builds the {@link Localizer} methods over the active locale's @formatjs/intl object. */
export function localizerFor(intl: () => IntlShape): Localizer {
  const asText = (value: string | readonly unknown[]) => (typeof value === 'string' ? value : value.join(''));
  return {
    formatDate: (value, options) => intl().formatDate(value, options),
    formatTime: (value, options) => intl().formatTime(value, options),
    formatDateTime: (value, options) =>
      intl().formatDate(value, { dateStyle: 'medium', timeStyle: 'short', ...options }),
    formatNumber: (value, options) => intl().formatNumber(value, options as never),
    formatCurrency: (value, currency, options) => {
      if (typeof currency !== 'string' || !CURRENCY.test(currency)) {
        throw new I18nError(
          'ERR_INVALID_OPTION',
          `Expected \`currency\` to be an ISO 4217 code such as \`BRL\`, got ${describe(currency)}`,
        );
      }
      return intl().formatNumber(value, { ...(options as object), style: 'currency', currency });
    },
    formatPercent: (value, options) => intl().formatNumber(value, { ...(options as object), style: 'percent' }),
    formatRelativeTime: (value, unit, options) => intl().formatRelativeTime(value, unit, options),
    formatList: (items, options) => asText(intl().formatList(items, options)),
    formatDisplayName: (code, options) => {
      if (typeof options !== 'object' || options === null || typeof options.type !== 'string') {
        throw new I18nError(
          'ERR_INVALID_OPTION',
          `Expected \`options.type\` to be \`language\`, \`region\`, \`script\` or \`currency\`, got ${describe(options?.type)}`,
        );
      }
      return intl().formatDisplayName(code, options as never) ?? code;
    },
  };
}
