import { type MessageFormatElement, parse, TYPE } from '@formatjs/icu-messageformat-parser';

/** What a `{% blocktrans %}` tag's arguments say about its body (see {@link blocktransArgs}). */
export interface BlocktransShape {
  /** The names the tag binds (`with a=b`, `count n=…`, Liquid's `a: b`); the count's too. */
  readonly names: readonly string[];
  /** The name of the plural count, when the tag has one. */
  readonly count: string | undefined;
  /** Django's `trimmed`: lines joined by one space, the ends stripped. */
  readonly trimmed: boolean;
}

/** The id of a block and the `{{ name }}` placeholders of its body, in order of first use. */
export interface BlocktransMessage {
  readonly id: string;
  readonly placeholders: readonly string[];
}

const PLACEHOLDER = /\{\{-?\s*(\w+)\s*-?\}\}/g;

/** Django's `trim_whitespace`: strip the ends, and each run of blanks around a newline becomes one space. */
export function trimWhitespace(text: string): string {
  return text.trim().replace(/\s*\n\s*/g, ' ');
}

/**
 * `text` as an ICU message that renders `text` itself: apostrophes doubled, and runs of
 * `{`, `}` (and `#` inside a plural branch) quoted.
 */
export function icuLiteral(text: string, inPlural = false): string {
  const special = inPlural ? /[{}#]+/g : /[{}]+/g;
  return text.replace(/'/g, "''").replace(special, (run) => `'${run}'`);
}

function argumentNames(elements: readonly MessageFormatElement[], names: Set<string>): void {
  for (const element of elements) {
    if ('value' in element && typeof element.value === 'string' && element.type !== TYPE.literal) {
      names.add(element.value);
    }
    if (element.type === TYPE.plural || element.type === TYPE.select) {
      for (const option of Object.values(element.options)) argumentNames(option.value, names);
    }
    if (element.type === TYPE.tag) argumentNames(element.children, names);
  }
}

/**
 * Whether a body without `{{ }}` placeholders is an ICU message: it parses, and it has
 * arguments, all bound by the tag. Anything else (`Use {} here`, `{name}` with no `name`
 * bound) is text, as Django reads it.
 */
function isIcuBody(body: string, bound: readonly string[]): boolean {
  if (!/[{}]/.test(body)) return false;
  let ast: MessageFormatElement[];
  try {
    ast = parse(body, { ignoreTag: true });
  } catch {
    return false;
  }
  const names = new Set<string>();
  argumentNames(ast, names);
  return names.size > 0 && [...names].every((name) => bound.includes(name));
}

/**
 * The message id of a `{% blocktrans %}` block. A body that is an ICU message over the tag's
 * bound names is used as is; any other body is Django's: text with `{{ name }}` placeholders
 * and an optional `{% plural %}` part, turned into the equivalent ICU message (literal braces,
 * apostrophes and plural `#` quoted), so Django templates port unchanged:
 *
 * `{% blocktrans count counter=n %}{{ counter }} item{% plural %}{{ counter }} items{% endblocktrans %}`
 * -> `{counter, plural, one {# item} other {# items}}`.
 *
 * Whitespace is kept as written, as in Django, unless the tag says `trimmed`. Shared by the
 * LiquidJS tag and `adv-i18n extract`, so both derive the same id.
 */
export function blocktransMessage(
  singular: string,
  plural: string | undefined,
  shape: BlocktransShape,
): BlocktransMessage {
  const tidy = (text: string) => (shape.trimmed ? trimWhitespace(text) : text);
  const one = tidy(singular);
  const other = plural === undefined ? undefined : tidy(plural);
  const placeholders: string[] = [];
  for (const text of other === undefined ? [one] : [one, other]) {
    for (const match of text.matchAll(PLACEHOLDER)) if (!placeholders.includes(match[1]!)) placeholders.push(match[1]!);
  }
  if (other === undefined && placeholders.length === 0 && isIcuBody(one, shape.names)) return { id: one, placeholders };
  const count = shape.count;
  const convert = (text: string, inPlural: boolean) => {
    let out = '';
    let last = 0;
    for (const match of text.matchAll(PLACEHOLDER)) {
      out += icuLiteral(text.slice(last, match.index), inPlural);
      out += inPlural && match[1] === count ? '#' : `{${match[1]}}`;
      last = match.index + match[0].length;
    }
    return out + icuLiteral(text.slice(last), inPlural);
  };
  if (other === undefined || count === undefined) return { id: convert(one, false), placeholders };
  return { id: `{${count}, plural, one {${convert(one, true)}} other {${convert(other, true)}}}`, placeholders };
}

/** {@link blocktransMessage}'s id alone. */
export function blocktransId(singular: string, plural: string | undefined, shape: BlocktransShape): string {
  return blocktransMessage(singular, plural, shape).id;
}
