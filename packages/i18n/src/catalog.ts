import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';
import type { CatalogIssue } from './errors.js';

/** A message catalog: message id to ICU MessageFormat source. Flat; one per locale. */
export type Catalog = Readonly<Record<string, string>>;

/**
 * Keys starting with this prefix are obsolete entries kept by `adv-i18n extract` (gettext's
 * `#~` marker): they are skipped at load and by validation, and restored when the id is used again.
 */
export const OBSOLETE_PREFIX = '#~ ';

/**
 * Separator between a context and an id in a catalog key, as in gettext's compiled catalogs:
 * `pgettext('month', 'May')` looks up the key `"month\u0004May"`.
 */
export const CONTEXT_SEPARATOR = '\u0004';

/** The kind of value an ICU argument expects; two messages disagreeing on it is an error. */
export type ArgumentKind = 'plain' | 'number' | 'date' | 'time' | 'plural' | 'select';

/** A parsed message and what the runtime needs to know about it. */
export interface CompiledMessage {
  /** The ICU source text. */
  readonly source: string;
  /** The parsed message (tags are kept as text: messages may contain HTML). */
  readonly ast: MessageFormatElement[];
  /** Argument names and what kind of value each expects. */
  readonly args: ReadonlyMap<string, ArgumentKind>;
  /** Whether the message formats a date or time (its formatter then depends on the time zone). */
  readonly usesDateTime: boolean;
  /** The message's text when it has no arguments: formatting it is a no-op. */
  readonly literal: string | undefined;
}

const KIND: Partial<Record<TYPE, ArgumentKind>> = {
  [TYPE.argument]: 'plain',
  [TYPE.number]: 'number',
  [TYPE.date]: 'date',
  [TYPE.time]: 'time',
  [TYPE.plural]: 'plural',
  [TYPE.select]: 'select',
};

function collect(elements: readonly MessageFormatElement[], args: Map<string, ArgumentKind>): boolean {
  let usesDateTime = false;
  for (const element of elements) {
    const kind = KIND[element.type];
    if (kind && 'value' in element && typeof element.value === 'string') {
      // `plain` is the weakest kind: a later `{n, plural}` on the same name wins.
      if (!args.has(element.value) || args.get(element.value) === 'plain') args.set(element.value, kind);
    }
    if (element.type === TYPE.date || element.type === TYPE.time) usesDateTime = true;
    if (element.type === TYPE.plural || element.type === TYPE.select) {
      for (const option of Object.values(element.options)) usesDateTime = collect(option.value, args) || usesDateTime;
    }
  }
  return usesDateTime;
}

/** Parses one ICU message; throws the parser's `SyntaxError` (with `location`) when malformed. */
export function compileMessage(source: string): CompiledMessage {
  // Most messages are plain text: without braces or apostrophes there is nothing to parse.
  if (!/[{}']/.test(source)) {
    const ast: MessageFormatElement[] = source === '' ? [] : [{ type: TYPE.literal, value: source }];
    return { source, ast, args: new Map(), usesDateTime: false, literal: source };
  }
  const ast = parse(source, { ignoreTag: true, captureLocation: false });
  const args = new Map<string, ArgumentKind>();
  const usesDateTime = collect(ast, args);
  const only = ast[0];
  const literal =
    ast.length === 0 ? '' : ast.length === 1 && only?.type === TYPE.literal ? (only.value as string) : undefined;
  return { source, ast, args, usesDateTime, literal };
}

function parseErrorText(error: unknown): string {
  const e = error as { message?: string; location?: { start?: { line: number; column: number } } };
  const at = e.location?.start ? ` at line ${e.location.start.line}, column ${e.location.start.column}` : '';
  return `Malformed ICU message: ${e.message ?? String(error)}${at}`;
}

/** Input of {@link validateCatalog}. */
export interface ValidateCatalogInput {
  /** Locale of the catalog. */
  locale: string;
  /** The catalog as loaded (any value: validation checks the shape). */
  catalog: unknown;
  /** The file it came from, used in issues. */
  file?: string | undefined;
  /** The default locale's compiled catalog, to compare ids and arguments against (omit for the default itself). */
  reference?: ReadonlyMap<string, CompiledMessage> | undefined;
  /** The default locale, named in issues. */
  defaultLocale?: string | undefined;
  /**
   * Whether every id of the reference must be translated (warnings otherwise). Off for catalogs
   * that only serve as fallbacks, such as a partial `pt` behind `pt-BR`.
   * @defaultValue `true`
   */
  complete?: boolean | undefined;
}

/** Result of {@link validateCatalog}: every problem, and the messages that compiled. */
export interface ValidatedCatalog {
  readonly issues: CatalogIssue[];
  readonly compiled: Map<string, CompiledMessage>;
}

/**
 * Validates one catalog: it must be a flat object of strings, each a well-formed ICU message;
 * against the default catalog, a translation must not use arguments the default does not pass
 * or use one as another kind (errors), and should cover every id (warnings).
 */
export function validateCatalog(input: ValidateCatalogInput): ValidatedCatalog {
  const { locale, catalog, file, reference, defaultLocale, complete = true } = input;
  const issues: CatalogIssue[] = [];
  const compiled = new Map<string, CompiledMessage>();
  const issue = (severity: CatalogIssue['severity'], key: string | undefined, message: string) =>
    issues.push({ severity, locale, key, file, message });

  if (typeof catalog !== 'object' || catalog === null || Array.isArray(catalog)) {
    issue('error', undefined, `Expected a catalog object of message id to ICU string, got ${typeName(catalog)}`);
    return { issues, compiled };
  }
  for (const [key, value] of Object.entries(catalog)) {
    if (key.startsWith(OBSOLETE_PREFIX)) continue;
    if (typeof value !== 'string') {
      const hint =
        typeof value === 'object' && value !== null
          ? ' (nested catalogs are not supported: flatten keys as "a.b")'
          : '';
      issue('error', key, `Expected an ICU message string, got ${typeName(value)}${hint}`);
      continue;
    }
    if (value === '' && reference) {
      issue('warning', key, `Empty translation: falls back along the chain`);
      continue;
    }
    let message: CompiledMessage;
    try {
      message = compileMessage(value);
    } catch (error) {
      issue('error', key, parseErrorText(error));
      continue;
    }
    compiled.set(key, message);
    if (!reference) continue;
    const original = reference.get(key);
    if (!original) {
      issue('warning', key, `Not in the default catalog (${defaultLocale}): the id is unused or misspelt`);
      continue;
    }
    for (const [name, kind] of message.args) {
      const expected = original.args.get(name);
      if (expected === undefined) {
        issue('error', key, `Uses argument {${name}} that the default message (${defaultLocale}) does not have`);
      } else if (!compatible(expected, kind)) {
        issue(
          'error',
          key,
          `Uses argument {${name}} as ${kind}, the default message (${defaultLocale}) as ${expected}`,
        );
      }
    }
    for (const name of original.args.keys()) {
      if (!message.args.has(name)) issue('warning', key, `Does not use argument {${name}} of the default message`);
    }
  }
  if (reference && complete) {
    for (const key of reference.keys()) {
      if (!Object.hasOwn(catalog, key)) issue('warning', key, `Missing translation: falls back along the chain`);
    }
  }
  return { issues, compiled };
}

function compatible(a: ArgumentKind, b: ArgumentKind): boolean {
  if (a === b || a === 'plain' || b === 'plain') return true;
  // A number used for a plural in one language and as a number in another is normal.
  const numeric = (k: ArgumentKind) => k === 'number' || k === 'plural';
  const temporal = (k: ArgumentKind) => k === 'date' || k === 'time';
  return (numeric(a) && numeric(b)) || (temporal(a) && temporal(b));
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `\`${String(value)}\` (${typeof value})`;
}
