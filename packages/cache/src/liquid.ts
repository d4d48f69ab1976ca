/**
 * `{% cache ttl name vary... %}…{% endcache %}` for LiquidJS, from `@adv/cache/liquid`.
 * liquidjs is an optional peer dependency: only this entry point imports it.
 */

import { type OptionKeys, resolveOptions } from '@adv/types';
import {
  type Context,
  type Emitter,
  evalToken,
  type Liquid,
  type Parser,
  Tag,
  type TagToken,
  type Tokenizer,
  type TopLevelToken,
  toPromise,
} from 'liquidjs';
import { CacheError, describeValue } from './errors.js';
import { type FragmentCache, makeFragmentKey } from './fragment.js';
import { invalidOption } from './validate.js';

type ValueToken = NonNullable<ReturnType<Tokenizer['readValue']>>;

/** Options of {@link registerCacheTag}. */
export interface CacheTagOptions {
  /** The cache fragments go to (a `createCache()` cache). */
  cache: FragmentCache;
  /** The tag's name. @defaultValue `'cache'` */
  tagName?: string | undefined;
}

/** Every option of {@link registerCacheTag}. */
const CACHE_TAG_OPTION_KEYS: OptionKeys<CacheTagOptions> = { cache: true, tagName: true };

/** Defaults of {@link CacheTagOptions}. */
export const CACHE_TAG_DEFAULTS = { tagName: 'cache' } as const;

/** The options of {@link registerCacheTag} with their defaults, each checked (`ERR_INVALID_OPTION`). */
function resolveTagOptions(options: CacheTagOptions): { cache: FragmentCache; tagName: string } {
  const { cache, tagName } = resolveOptions(options, {
    name: 'registerCacheTag',
    keys: CACHE_TAG_OPTION_KEYS,
    defaults: CACHE_TAG_DEFAULTS,
    error: invalidOption,
  });
  if (typeof cache?.getOrSet !== 'function') {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      `Expected \`cache\` to be a cache with getOrSet, got ${describeValue(cache)}`,
    );
  }
  if (typeof tagName !== 'string' || !/^\w+$/.test(tagName)) {
    throw new CacheError(
      'ERR_INVALID_OPTION',
      `Expected \`tagName\` to be a tag name of letters, digits and underscores, got ${describeValue(tagName)}`,
    );
  }
  return { cache, tagName };
}

/**
 * Registers the `{% cache %}` block tag on a Liquid engine. Arguments are Liquid expressions:
 * the ttl in seconds, the fragment name, then any values the fragment varies on. The body is
 * rendered once per ttl and key; rendering must be async (`parseAndRender`, `renderFile`).
 *
 * @example
 * ```ts
 * const liquid = new Liquid();
 * registerCacheTag(liquid, { cache });
 * await liquid.parseAndRender('{% cache 300 "sidebar" user.id %}{{ user.name }}{% endcache %}', { user });
 * ```
 */
export function registerCacheTag(liquid: Liquid, options: CacheTagOptions): void {
  const { cache, tagName } = resolveTagOptions(options);
  const endName = `end${tagName}`;

  class CacheTag extends Tag {
    readonly #args: ValueToken[] = [];
    readonly #templates: ReturnType<Parser['parseToken']>[] = [];

    constructor(token: TagToken, remain: TopLevelToken[], engine: Liquid, parser: Parser) {
      super(token, remain, engine);
      for (;;) {
        this.tokenizer.skipBlank();
        if (this.tokenizer.end()) break;
        const value = this.tokenizer.readValue();
        if (value === undefined) throw new Error(`{% ${tagName} %}: cannot read argument in "${token.getText()}"`);
        this.#args.push(value);
      }
      if (this.#args.length < 2)
        throw new Error(`{% ${tagName} %} needs a ttl and a fragment name: ${token.getText()}`);
      while (remain.length > 0) {
        const next = remain.shift() as TopLevelToken;
        if ((next as TagToken).name === endName) return;
        this.#templates.push(parser.parseToken(next, remain));
      }
      throw new Error(`tag ${token.getText()} not closed`);
    }

    *render(ctx: Context, emitter: Emitter): Generator<unknown, void, unknown> {
      const values: unknown[] = [];
      for (const arg of this.#args) values.push(yield evalToken(arg, ctx));
      const [ttl, name, ...varyOn] = values;
      if (typeof ttl !== 'number' || !Number.isFinite(ttl) || ttl < 0) {
        throw new CacheError(
          'ERR_INVALID_ARGUMENT',
          `Expected the {% ${tagName} %} ttl to be a non-negative number of seconds, got ${describeValue(ttl)}`,
        );
      }
      if ((typeof name !== 'string' && typeof name !== 'number') || name === '') {
        throw new CacheError(
          'ERR_INVALID_ARGUMENT',
          `Expected the {% ${tagName} %} fragment name to be a string (quote it: "sidebar"), got ${describeValue(name)}`,
        );
      }
      const renderer = this.liquid.renderer;
      const pending = cache.getOrSet(
        makeFragmentKey(String(name), varyOn),
        () => toPromise(renderer.renderTemplates(this.#templates, ctx)) as Promise<string>,
        { ttl },
      );
      const html: unknown = yield pending;
      if (html instanceof Promise) {
        // Synchronous rendering hands the promise back instead of awaiting it.
        pending.catch(() => {});
        throw new CacheError(
          'ERR_INVALID_ARGUMENT',
          `{% ${tagName} %} needs asynchronous rendering (parseAndRender, renderFile), not the *Sync methods`,
        );
      }
      emitter.write(html);
    }
  }

  liquid.registerTag(tagName, CacheTag as never);
}
