import {
  type Context,
  type Emitter,
  type Liquid,
  Tag,
  type TagToken,
  type TopLevelToken,
  TypeGuards,
  toValue,
  Value,
} from 'liquidjs';
import { blocktransMessage } from './blocktrans.js';
import { I18nError } from './errors.js';
import { blocktransArgs, TagSyntaxError, transArgs } from './tag-args.js';

/** A tag class as `Liquid.registerTag` takes it. */
type TagClass = Extract<Parameters<Liquid['registerTag']>[1], abstract new (...args: never[]) => unknown>;

/** Translates `id` (in `context` when given) with `values`, as the tags need it. */
export type TagTranslate = (id: string, values: Record<string, unknown>, context: unknown) => string;

/** What the tags share: translation, catalog lookup and how values are escaped. */
export interface TagRuntime {
  readonly translate: TagTranslate;
  /** Whether a catalog has `id` (in `context`): a `{% trans variable %}` not catalogued is data. */
  readonly isCatalogued: (id: string, context: unknown) => boolean;
  /** Escapes text values (on when the engine escapes output, or as `escapeValues` says). */
  readonly escapeValues: boolean;
  readonly escapeHtml: (text: string) => string;
}

/**
 * Whether a value reaches the output as text that may hold markup: strings, and objects that
 * render through `toString` (a `LazyMessage`, a drop), escaped as `{{ value }}` would escape
 * them. Numbers, booleans and dates are formatted by the message, never markup.
 */
const isText = (value: unknown): boolean =>
  typeof value === 'string' || (typeof value === 'object' && value !== null && !(value instanceof Date));

/** A value whose last filter already escaped it (`| escape`) or marks it safe (`| raw`) is not escaped again. */
const SAFE_FILTERS = new Set(['raw', 'escape', 'escape_once', 'force_escape']);
const isSafe = (value: Value) => SAFE_FILTERS.has(value.filters.at(-1)?.name ?? '');

/** Turns Django's argument errors into LiquidJS parse errors (with the template position). */
function parsed<T>(read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (error instanceof TagSyntaxError) throw new I18nError('ERR_TEMPLATE_SYNTAX', error.message, { cause: error });
    throw error;
  }
}

const QUOTED = /^(?:"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')(?:\s*\|[\s\S]*)?$/;

/** `{% trans %}` (and `{% translate %}`): see `registerI18n`. */
export function transTag(runtime: TagRuntime): TagClass {
  return class TransTag extends Tag {
    readonly #id: Value;
    readonly #literal: boolean;
    readonly #noop: boolean;
    readonly #context: Value | undefined;
    readonly #as: string | undefined;
    readonly #values: readonly [string, Value][];
    constructor(token: TagToken, remain: TopLevelToken[], engine: Liquid) {
      super(token, remain, engine);
      const args = parsed(() => transArgs(token.args, token.name));
      this.#id = new Value(args.id, engine);
      this.#literal = QUOTED.test(args.id);
      this.#noop = args.noop;
      this.#context = args.context === undefined ? undefined : new Value(args.context, engine);
      this.#as = args.as;
      this.#values = args.values.map((b) => [b.name, new Value(b.expression, engine)]);
    }
    *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
      const id = String(toValue(yield this.#id.initial.evaluate(ctx, false)) ?? '');
      const context = this.#context === undefined ? undefined : toValue(yield this.#context.value(ctx, false));
      const values: Record<string, unknown> = {};
      for (const [name, value] of this.#values) {
        const v = toValue(yield value.value(ctx, false));
        values[name] = runtime.escapeValues && isText(v) && !isSafe(value) ? runtime.escapeHtml(String(v)) : v;
      }
      let text: unknown = this.#noop ? id : runtime.translate(id, values, context);
      // Django translates the id, then applies the filters (`"Page not found"|upper`).
      for (const filter of this.#id.filters) text = yield filter.render(text, ctx);
      text = String(toValue(text) ?? '');
      if (this.#as !== undefined) {
        ctx.bottom()[this.#as] = text;
        return;
      }
      // `{% trans variable %}` whose value no catalog has is data, not a trusted message
      // (Django escapes it too): escape it as `{{ variable }}` would be.
      const untrusted = runtime.escapeValues && !this.#literal && !runtime.isCatalogued(id, context);
      emitter.write(untrusted ? runtime.escapeHtml(text as string) : (text as string));
    }
  };
}

/** `{% blocktrans %}` (and `{% blocktranslate %}`): see `registerI18n`. */
export function blocktransTag(runtime: TagRuntime): TagClass {
  return class BlockTransTag extends Tag {
    readonly #tag: string;
    readonly #id: string;
    readonly #bindings: readonly [string, Value][];
    readonly #count: readonly [string, Value] | undefined;
    readonly #context: Value | undefined;
    readonly #asvar: string | undefined;
    readonly #hasPlural: boolean;
    readonly #fromScope: readonly [string, Value][];
    constructor(token: TagToken, remain: TopLevelToken[], engine: Liquid) {
      super(token, remain, engine);
      this.#tag = token.name;
      const args = parsed(() => blocktransArgs(token.args, token.name));
      const singular: string[] = [];
      let plural: string[] | undefined;
      for (;;) {
        const next = remain.shift();
        if (next === undefined) throw new Error(`tag ${token.getText()} not closed`);
        if (!TypeGuards.isTagToken(next)) {
          (plural ?? singular).push(next.getText());
          continue;
        }
        if (plural === undefined && args.count !== undefined && next.name === 'plural') {
          plural = [];
          continue;
        }
        // Django's rule: after `count`, the first tag must be `{% plural %}`.
        if (plural === undefined && args.pluralRequired) {
          throw new I18nError('ERR_TEMPLATE_SYNTAX', `'${token.name}' doesn't allow other block tags inside it`);
        }
        if (next.name === `end${token.name}`) break;
        const seen = `${next.name} ${next.args}`.trim();
        throw new I18nError(
          'ERR_TEMPLATE_SYNTAX',
          `'${token.name}' doesn't allow other block tags (seen '${seen}') inside it`,
        );
      }
      this.#hasPlural = plural !== undefined;
      const message = blocktransMessage(singular.join(''), plural?.join(''), args);
      this.#id = message.id;
      this.#bindings = args.bindings.map((b) => [b.name, new Value(b.expression, engine)]);
      this.#count = args.countBinding && [args.countBinding.name, new Value(args.countBinding.expression, engine)];
      this.#context = args.context === undefined ? undefined : new Value(args.context, engine);
      this.#asvar = args.asvar;
      // Placeholders the tag does not bind come from the template's scope, as in Django.
      this.#fromScope = message.placeholders
        .filter((name) => !args.names.includes(name))
        .map((name) => [name, new Value(name, engine)]);
    }
    *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
      const values: Record<string, unknown> = {};
      const put = (name: string, raw: unknown, safe: boolean) => {
        const v = toValue(raw) ?? '';
        values[name] = runtime.escapeValues && isText(v) && !safe ? runtime.escapeHtml(String(v)) : v;
      };
      for (const [name, value] of this.#bindings) put(name, yield value.value(ctx, false), isSafe(value));
      // A name missing from the scope renders as nothing, as `{{ missing }}` does (Django #19915).
      for (const [name, value] of this.#fromScope) put(name, yield value.value(ctx, true), false);
      if (this.#count) {
        const [name, value] = this.#count;
        const n = toValue(yield value.value(ctx, false));
        if (!this.#hasPlural) put(name, n, isSafe(value));
        else if (typeof n === 'number' || typeof n === 'bigint') values[name] = n;
        else throw new I18nError('ERR_TEMPLATE_SYNTAX', `'${name}' argument to '${this.#tag}' tag must be a number.`);
      }
      const context = this.#context === undefined ? undefined : toValue(yield this.#context.value(ctx, false));
      const text = runtime.translate(this.#id, values, context);
      if (this.#asvar !== undefined) ctx.bottom()[this.#asvar] = text;
      else emitter.write(text);
    }
  };
}
