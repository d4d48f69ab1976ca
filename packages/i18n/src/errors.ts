import { AdvError, describeValue } from '@adv/types';

/** Machine-readable reason of a {@link I18nError}. */
export type I18nErrorCode =
  /** An option passed to a factory is of the wrong type or out of range. */
  | 'ERR_INVALID_OPTION'
  /** One or more catalogs failed validation; details in {@link CatalogError.issues}. */
  | 'ERR_INVALID_CATALOG'
  /** A locale that is not in `locales` was asked for. */
  | 'ERR_UNKNOWN_LOCALE'
  /** `loadMessages` failed or returned something that is not a catalog. */
  | 'ERR_LOAD_FAILED'
  /** A message or value failed to format at run time (reported through `onError`, never thrown by `t`). */
  | 'ERR_FORMAT'
  /** A source file given to `extractFromSource` (or `adv-i18n extract`) does not parse. */
  | 'ERR_INVALID_SOURCE'
  /** A `.po` file given to `parsePo` (or `adv-i18n import-po`) is malformed. */
  | 'ERR_INVALID_PO'
  /**
   * A `{% trans %}`/`{% blocktrans %}` tag is misused (Django's `TemplateSyntaxError`, same
   * message): when the template is parsed, or, for a `count` that is not a number, rendered.
   */
  | 'ERR_TEMPLATE_SYNTAX';

/** Base error of @adv/i18n: branch on `code`; the original failure is in `cause` (see `AdvError`). */
export class I18nError extends AdvError<I18nErrorCode> {
  override readonly name: string = 'I18nError';
}

/** One problem found in a catalog, located by file (when known), locale and key. */
export interface CatalogIssue {
  /** `error` stops `createI18n` and fails `adv-i18n check`; `warning` is logged (an error under `strict`). */
  readonly severity: 'error' | 'warning';
  /** The locale of the catalog the problem is in. */
  readonly locale: string;
  /** The message id, or `undefined` for a problem with the catalog as a whole. */
  readonly key: string | undefined;
  /** The catalog file, when the catalog was read from one. */
  readonly file: string | undefined;
  /** What is wrong, in one sentence. */
  readonly message: string;
}

/** Formats an issue as `file: [locale] key: message`, the shape `adv-i18n check` prints. */
export function formatIssue(issue: CatalogIssue): string {
  const where = `${issue.file ? `${issue.file}: ` : ''}[${issue.locale}]${issue.key === undefined ? '' : ` ${JSON.stringify(issue.key)}`}`;
  return `${where}: ${issue.message}`;
}

/** Thrown by `createI18n`/`load` when catalogs have errors; every problem is listed in `issues`. */
export class CatalogError extends I18nError {
  override readonly name: string = 'CatalogError';
  readonly issues: readonly CatalogIssue[];

  constructor(issues: readonly CatalogIssue[], options?: { cause?: unknown }) {
    const lines = issues.map((issue) => `  - ${formatIssue(issue)}`);
    super(
      'ERR_INVALID_CATALOG',
      `Invalid message catalog (${issues.length} problem${issues.length === 1 ? '' : 's'}):\n${lines.join('\n')}`,
      options,
    );
    this.issues = issues;
  }
}

// Describes a value for an error message the p-queue way, `` `-1` (number) ``: the one rule of
// `@adv/types`, under the name the modules here import.
export { describeValue as describe };
