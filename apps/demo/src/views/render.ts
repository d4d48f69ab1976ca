import type { FragmentCache } from '@adv/cache';
import { registerCacheTag } from '@adv/cache/liquid';
import { registerI18n } from '@adv/i18n/liquid';
import { Liquid } from 'liquidjs';
import { current, i18n, LANGUAGES, TIME_ZONES, t } from '../i18n.js';
import { fromRoot } from '../paths.js';

const ISO_TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d/;

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
    cache: options.cache ?? true,
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
 * chained on LiquidJS's own promise rather than `async` wrappers: under AsyncLocalStorage each
 * extra promise runs the hooks; a synchronous failure still comes back as a rejection.
 */
export function renderPage(
  engine: Liquid,
  template: string,
  data: Record<string, unknown>,
  init: ResponseInit = {},
): Promise<Response> {
  return renderToString(engine, template, data).then((html) => {
    const headers = new Headers(init.headers);
    headers.set('content-type', 'text/html; charset=utf-8');
    return new Response(html, { ...init, headers });
  });
}

/** Renders a template (or fragment) to a string with the current locale's globals. */
export function renderToString(engine: Liquid, template: string, data: Record<string, unknown>): Promise<string> {
  try {
    const { locale, timeZone, prefix } = current();
    return engine.renderFile(template, {
      locale,
      timeZone,
      prefix,
      languages: LANGUAGES,
      timeZones: TIME_ZONES.includes(timeZone) ? TIME_ZONES : [timeZone, ...TIME_ZONES],
      ...data,
    });
  } catch (error) {
    return Promise.reject(error);
  }
}
