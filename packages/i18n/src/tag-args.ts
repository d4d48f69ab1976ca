import type { BlocktransShape } from './blocktrans.js';

/** A name bound by a tag to an expression (`name=expr`, `expr as name`, `name: expr`). */
export interface Binding {
  readonly name: string;
  /** The LiquidJS expression, filters included (`anton | downcase`, `anton|lower`). */
  readonly expression: string;
}

/** The arguments of a `{% blocktrans %}` tag, in Django's syntax or LiquidJS's. */
export interface BlocktransArgs extends BlocktransShape {
  /** `with` bindings (and bare `name=expr`, and every LiquidJS `name: expr` but `context`). */
  readonly bindings: readonly Binding[];
  /** The `count` binding. */
  readonly countBinding: Binding | undefined;
  /** The context expression (`context "month"`, `context: "month"`). */
  readonly context: string | undefined;
  /** Django's `asvar name`: store the text instead of writing it. */
  readonly asvar: string | undefined;
  /** Django's `count` keyword: the body must have a `{% plural %}` part. */
  readonly pluralRequired: boolean;
}

/** The arguments of a `{% trans %}` tag. */
export interface TransArgs {
  /** The id expression, filters included: Django translates first, then applies them. */
  readonly id: string;
  readonly noop: boolean;
  readonly context: string | undefined;
  /** `as name`: store the text instead of writing it. */
  readonly as: string | undefined;
  /** LiquidJS `name: expr` values for the ICU message. */
  readonly values: readonly Binding[];
}

/** A tag argument Django would refuse (`TemplateSyntaxError`); the tag turns it into a parse error. */
export class TagSyntaxError extends Error {
  override readonly name = 'TagSyntaxError';
}

/** Whitespace-separated words; quoted strings (with `\` escapes) stay whole, even with spaces. */
export function words(args: string): string[] {
  return [...args.matchAll(/(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^\s"']+)+/g)].map((m) => m[0]);
}

/** LiquidJS's hash syntax (`name: expr, …`) rather than Django's words. */
const isLiquidHash = (args: string) => /^\s*[\w-]+\s*:(?!:)/.test(args);

/** `name: expr, name2: expr2, flag` split at top-level commas. */
function liquidHash(args: string): Binding[] {
  const parts = args.match(/(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'|[^,"'])+/g) ?? [];
  return parts
    .map((part) => /^\s*([\w-]+)\s*(?::\s*([\s\S]*?))?\s*$/.exec(part))
    .filter((match): match is RegExpExecArray => match !== null)
    .map((match) => ({ name: match[1]!, expression: match[2] ?? 'true' }));
}

const BLOCK_KEYWORDS = new Set(['with', 'count', 'context', 'trimmed', 'asvar']);

/**
 * Reads a `{% blocktrans %}` tag's arguments: Django's `with a=b c=d`, `count n=expr`,
 * `context expr`, `trimmed`, `asvar name` (also the legacy `with expr as a and expr as b`,
 * `count expr as n`), or LiquidJS's `count: n, name: expr, context: "c"`.
 *
 * @throws {@link TagSyntaxError} with Django's message for what Django refuses.
 */
export function blocktransArgs(args: string, tag = 'blocktrans'): BlocktransArgs {
  const leadingTrimmed = /^\s*trimmed\s*,?\s*(?=[\w-]+\s*:(?!:))/.exec(args);
  const hash = leadingTrimmed ? args.slice(leadingTrimmed[0].length) : args;
  return isLiquidHash(hash) ? liquidBlocktransArgs(hash, leadingTrimmed !== null) : djangoBlocktransArgs(args, tag);
}

/** LiquidJS's `count: n, name: expr, context: "c"` (`trimmed` before it, or `trimmed: true`). */
function liquidBlocktransArgs(hash: string, leadingTrimmed: boolean): BlocktransArgs {
  const all = liquidHash(hash);
  const trimmed = leadingTrimmed || all.some((b) => b.name === 'trimmed' && b.expression === 'true');
  const context = all.find((b) => b.name === 'context')?.expression;
  const bindings = all.filter((b) => b.name !== 'context' && !(b.name === 'trimmed' && b.expression === 'true'));
  const countBinding = bindings.find((b) => b.name === 'count') ?? bindings[0];
  return {
    names: bindings.map((b) => b.name),
    count: countBinding?.name,
    trimmed,
    bindings: bindings.filter((b) => b !== countBinding),
    countBinding,
    context,
    asvar: undefined,
    pluralRequired: false,
  };
}

/** What the Django form of `{% blocktrans %}` has read so far. */
interface DjangoBlocktrans {
  readonly tag: string;
  readonly list: readonly string[];
  readonly bindings: Binding[];
  countBinding: Binding | undefined;
  context: string | undefined;
  asvar: string | undefined;
  trimmed: boolean;
  /** The options given, each allowed once. */
  readonly seen: Set<string>;
}

/** Django's `with a=b c=d`, `count n=expr`, `context expr`, `trimmed`, `asvar name` (and the legacy forms). */
function djangoBlocktransArgs(args: string, tag: string): BlocktransArgs {
  const state: DjangoBlocktrans = {
    tag,
    list: words(args),
    bindings: [],
    countBinding: undefined,
    context: undefined,
    asvar: undefined,
    trimmed: false,
    seen: new Set(),
  };
  let i = 0;
  while (i < state.list.length) i = readBlocktransOption(state, i);
  const { bindings, countBinding } = state;
  return {
    names: [...bindings, ...(countBinding ? [countBinding] : [])].map((b) => b.name),
    count: countBinding?.name,
    trimmed: state.trimmed,
    bindings,
    countBinding,
    context: state.context,
    asvar: state.asvar,
    pluralRequired: state.seen.has('count'),
  };
}

/** Reads the option at word `i` into `state`; returns the index of the word after it. */
function readBlocktransOption(state: DjangoBlocktrans, i: number): number {
  const { list, tag } = state;
  const word = list[i]!;
  const once = (option: string) => {
    if (state.seen.has(option)) throw new TagSyntaxError(`The '${option}' option was specified more than once.`);
    state.seen.add(option);
  };
  if (word === 'with') {
    once('with');
    const [found, next] = readBindings(list, i + 1);
    if (found.length === 0) throw new TagSyntaxError(`"with" in '${tag}' tag needs at least one keyword argument.`);
    state.bindings.push(...found);
    return next;
  }
  if (word === 'count') {
    once('count');
    const [found, next] = readBindings(list, i + 1);
    if (found.length !== 1) throw new TagSyntaxError(`"count" in '${tag}' tag expected exactly one keyword argument.`);
    state.countBinding = found[0];
    return next;
  }
  if (word === 'context') {
    once('context');
    // As in Django, the next word is the context whatever it is (`context with` reads `with`).
    const value = list[i + 1];
    if (value === undefined) throw new TagSyntaxError(`"context" in '${tag}' tag expected exactly one argument.`);
    state.context = value;
    return i + 2;
  }
  if (word === 'trimmed') {
    once('trimmed');
    state.trimmed = true;
    return i + 1;
  }
  if (word === 'asvar') {
    once('asvar');
    state.asvar = list[i + 1];
    if (state.asvar === undefined)
      throw new TagSyntaxError(`No argument provided to the '${tag}' tag for the asvar option.`);
    return i + 2;
  }
  // Our own shorthand: a bare `name=expr` binds like `with` (`count=n` names the count `count`).
  const [found, next] = readBindings(list, i);
  if (found.length === 0) throw new TagSyntaxError(`Unknown argument for '${tag}' tag: '${word}'.`);
  for (const binding of found) {
    if (binding.name === 'count' && state.countBinding === undefined) state.countBinding = binding;
    else state.bindings.push(binding);
  }
  return next;
}

/** `name=expr` words, or the legacy `expr as name [and expr as name]`, from word `i` on. */
function readBindings(list: readonly string[], i: number): [Binding[], number] {
  const found: Binding[] = [];
  for (;;) {
    const word = list[i];
    if (word === undefined || BLOCK_KEYWORDS.has(word)) break;
    const kw = /^(\w+)=([\s\S]+)$/.exec(word);
    if (kw) {
      found.push({ name: kw[1]!, expression: kw[2]! });
      i += 1;
    } else if (list[i + 1] === 'as' && list[i + 2] !== undefined) {
      found.push({ name: list[i + 2]!, expression: word });
      i += 3;
      if (list[i] === 'and') i += 1;
    } else break;
  }
  return [found, i];
}

/**
 * Reads a `{% trans %}` tag's arguments: the id (with filters), then Django's `noop`,
 * `context expr`, `as name`, or LiquidJS's `name: expr` values (`context: "c"` among them).
 *
 * @throws {@link TagSyntaxError} with Django's message for what Django refuses.
 */
export function transArgs(args: string, tag = 'trans'): TransArgs {
  const list = words(args);
  const id = list[0];
  if (id === undefined) throw new TagSyntaxError(`'${tag}' takes at least one argument`);
  // The id may carry LiquidJS filters with spaces (`"x" | slice: 6`): a word continues it while
  // it starts with `|` or the previous word ends with `|`, `:` or `,`.
  let i = 1;
  let expression = id;
  while (i < list.length && (list[i]!.startsWith('|') || /[|:,]$/.test(list[i - 1]!))) {
    expression += ` ${list[i]}`;
    i += 1;
  }
  const rest = list.slice(i).join(' ');
  if (isLiquidHash(rest)) {
    const values = liquidHash(rest);
    const context = values.find((b) => b.name === 'context')?.expression;
    return { id: expression, noop: false, context, as: undefined, values: values.filter((b) => b.name !== 'context') };
  }
  let noop = false;
  let context: string | undefined;
  let as: string | undefined;
  const seen = new Set<string>();
  for (let j = i; j < list.length; j++) {
    const word = list[j]!;
    if (seen.has(word)) throw new TagSyntaxError(`The '${word}' option was specified more than once.`);
    seen.add(word);
    if (word === 'noop') noop = true;
    else if (word === 'context') {
      const value = list[j + 1];
      if (value === undefined)
        throw new TagSyntaxError(`No argument provided to the '${tag}' tag for the context option.`);
      if (value === 'as' || value === 'noop')
        throw new TagSyntaxError(`Invalid argument '${value}' provided to the '${tag}' tag for the context option.`);
      context = value;
      j += 1;
    } else if (word === 'as') {
      as = list[j + 1];
      if (as === undefined) throw new TagSyntaxError(`No argument provided to the '${tag}' tag for the as option.`);
      j += 1;
    } else throw new TagSyntaxError(`Unknown argument for '${tag}' tag: '${word}'.`);
  }
  return { id: expression, noop, context, as, values: [] };
}
