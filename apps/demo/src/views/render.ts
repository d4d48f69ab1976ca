import type { FragmentCache } from '@adv/cache';
import { registerCacheTag } from '@adv/cache/liquid';
import { registerI18n } from '@adv/i18n/liquid';
import { Liquid, type LiquidOptions } from 'liquidjs';
import { current, i18n, LANGUAGES, TIME_ZONES, t } from '../i18n.js';
import { fromRoot } from '../paths.js';
import { drive } from './drive.js';

const ISO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;

type TemplateCache = Extract<LiquidOptions['cache'], object>;
type Parsed = Parameters<TemplateCache['write']>[1];

/**
 * LiquidJS's cache of parsed templates, keeping the templates themselves once parsed. In
 * asynchronous rendering LiquidJS stores the parse's promise (so concurrent renders share one
 * parse) and every later render reads that promise back and awaits it: each file of a page
 * (the page, its layout, a partial) would cost a promise per render. Here the promise is swapped
 * for its templates when it settles, so {@link drive} goes on without waiting. A failed parse is
 * removed by LiquidJS itself. Unbounded: the keys are the app's template files (LiquidJS's
 * default cache keeps 1,024).
 */
export class ParsedTemplates implements TemplateCache {
  readonly #entries = new Map<string, Parsed>();

  read(key: string): Parsed | undefined {
    return this.#entries.get(key);
  }

  write(key: string, value: Parsed): void {
    this.#entries.set(key, value);
    if (value instanceof Promise) {
      value.then(
        (templates) => {
          if (this.#entries.get(key) === value) this.#entries.set(key, templates);
        },
        () => {},
      );
    }
  }

  remove(key: string): void {
    this.#entries.delete(key);
  }
}

/** Resolves a static file name to its public URL (hashed once static files are collected). */
export type StaticUrl = (name: string) => string;

/** Options of the template engine. */
export interface RenderOptions {
  /** Maps `app.css` to its public URL. */
  staticUrl: StaticUrl;
  /** Cache parsed templates (off in development so edits show at once). @defaultValue true */
  cache?: boolean;
  /** Where `{% cache %}` blocks store their output. */
  fragments: FragmentCache;
}

/**
 * The LiquidJS engine: `{% trans %}`, `{% blocktrans %}` and the l10n filters of
 * `@adv/i18n/liquid`, `{% cache %}` of `@adv/cache/liquid`, and the demo's `static` filter.
 */
export function createEngine(options: RenderOptions): Liquid {
  const engine = new Liquid({
    root: fromRoot('templates'),
    extname: '.liquid',
    cache: (options.cache ?? true) ? new ParsedTemplates() : false,
    outputEscape: 'escape',
    strictFilters: true,
  });
  registerI18n(engine, i18n);
  registerCacheTag(engine, { cache: options.fragments });
  // Replaces @adv/i18n's `t` filter with one that also turns ISO timestamps (how SQLite returns
  // dates) into Dates, so ICU `{date, date, medium}` can format them. LiquidJS passes keyword
  // arguments (`t: count: n, author: name`) as [name, value] pairs.
  engine.registerFilter('t', (key: string, ...args: unknown[]) => {
    const values: Record<string, unknown> = {};
    for (const arg of args) {
      if (Array.isArray(arg) && arg.length === 2 && typeof arg[0] === 'string') {
        const value = arg[1];
        values[arg[0]] = typeof value === 'string' && ISO_TIMESTAMP.test(value) ? new Date(value) : value;
      }
    }
    return t(String(key), values);
  });
  engine.registerFilter('static', (name: string) => options.staticUrl(String(name)));
  return engine;
}

/**
 * Renders a template to an HTML Response with the current locale's globals. Plain functions
 * rather than `async` wrappers: under AsyncLocalStorage each extra promise runs the hooks; a
 * page that awaited nothing while rendering is answered with one resolved promise. A synchronous
 * failure still comes back as a rejection.
 */
export function renderPage(
  engine: Liquid,
  template: string,
  data: Record<string, unknown>,
  init: ResponseInit = {},
): Promise<Response> {
  const toResponse = (html: string) => {
    const headers = new Headers(init.headers);
    headers.set('content-type', 'text/html; charset=utf-8');
    return new Response(html, { ...init, headers });
  };
  try {
    const html = render(engine, template, data);
    return typeof html === 'string' ? Promise.resolve(toResponse(html)) : html.then(toResponse);
  } catch (error) {
    return Promise.reject(error);
  }
}

/** Renders a template (or fragment) to a string with the current locale's globals. */
export function renderToString(engine: Liquid, template: string, data: Record<string, unknown>): Promise<string> {
  try {
    return Promise.resolve(render(engine, template, data));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * LiquidJS's `renderFile` (asynchronous rendering: tags may await), driven by {@link drive}:
 * the HTML at once when nothing on the way awaited, else a promise of it. Throws synchronously.
 */
function render(engine: Liquid, template: string, data: Record<string, unknown>): string | Promise<string> {
  return drive<string>(engine._renderFile(template, pageScope(data), { sync: false }));
}

/** What a template sees: the current locale's globals (locale, time zone, URL prefix, the switcher's lists), then `data`. */
export function pageScope(data: Record<string, unknown>): Record<string, unknown> {
  const { locale, timeZone, prefix } = current();
  return {
    locale,
    timeZone,
    prefix,
    languages: LANGUAGES,
    timeZones: TIME_ZONES.includes(timeZone) ? TIME_ZONES : [timeZone, ...TIME_ZONES],
    ...data,
  };
}
