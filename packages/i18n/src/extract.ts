import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { blocktransId, hashKeys } from './blocktrans.js';
import { type Catalog, CONTEXT_SEPARATOR, OBSOLETE_PREFIX } from './catalog.js';

/** Where an id was found. */
export interface ExtractedMessage {
  /** The catalog key: the id, or `context\u0004id`. */
  readonly key: string;
  readonly file: string;
  readonly line: number;
}

const CODE = new Set(['.ts', '.tsx', '.mts', '.cts', '.js', '.jsx', '.mjs', '.cjs']);
const TEMPLATES = new Set(['.liquid', '.html']);
const SKIP = new Set(['node_modules', 'dist', '.git', '.turbo', 'coverage']);
const STRING = String.raw`(?:'((?:\\.|[^'\\])*)'|"((?:\\.|[^"\\])*)"|\x60((?:\\.|[^\x60\\$])*)\x60)`;

/**
 * Finds message ids in source and templates (makemessages). In code: `t('id')`, `lazy('id')`,
 * `pgettext('context', 'id')`, also as methods (`i18n.t(...)`), with literal ids only. In
 * LiquidJS templates: `{% trans "id" %}` (with `context: "c"`), `{% blocktrans %}body{% endblocktrans %}`
 * and `{{ "id" | t }}`. Regular expressions rather than a TypeScript AST: the calls to find are
 * few and fixed, and this keeps the CLI free of the compiler (which TypeScript 7 no longer exposes).
 */
export function extractFromSource(
  text: string,
  file: string,
  functions: readonly string[] = ['t', 'lazy'],
): ExtractedMessage[] {
  const found: ExtractedMessage[] = [];
  const lineOf = (index: number) => text.slice(0, index).split('\n').length;
  const add = (key: string, index: number) => found.push({ key, file, line: lineOf(index) });
  const ext = extname(file);
  if (CODE.has(ext)) {
    const names = functions.map((name) => name.replace(/[$]/g, '\\$')).join('|');
    for (const match of text.matchAll(new RegExp(String.raw`(?<![\w$])(?:${names})\(\s*${STRING}`, 'g'))) {
      add(unescapeJs(match[1] ?? match[2] ?? match[3] ?? ''), match.index);
    }
    for (const match of text.matchAll(new RegExp(String.raw`(?<![\w$])pgettext\(\s*${STRING}\s*,\s*${STRING}`, 'g'))) {
      const context = unescapeJs(match[1] ?? match[2] ?? match[3] ?? '');
      add(`${context}${CONTEXT_SEPARATOR}${unescapeJs(match[4] ?? match[5] ?? match[6] ?? '')}`, match.index);
    }
  } else if (TEMPLATES.has(ext)) {
    const quoted = `(?:'([^']*)'|"([^"]*)")`;
    for (const match of text.matchAll(new RegExp(String.raw`\{%-?\s*trans\s+${quoted}([^%]*)%\}`, 'g'))) {
      const id = match[1] ?? match[2] ?? '';
      const context = /context\s*:\s*(?:'([^']*)'|"([^"]*)")/.exec(match[3] ?? '');
      add(context ? `${context[1] ?? context[2]}${CONTEXT_SEPARATOR}${id}` : id, match.index);
    }
    for (const match of text.matchAll(/\{%-?\s*blocktrans\b([^%]*?)-?%\}([\s\S]*?)\{%-?\s*endblocktrans\s*-?%\}/g)) {
      const args = match[1] ?? '';
      const context = /context\s*[:=]\s*(?:'([^']*)'|"([^"]*)")/.exec(args);
      const [singular = '', plural] = (match[2] ?? '').split(/\{%-?\s*plural\s*-?%\}/);
      const id = blocktransId(singular, plural, hashKeys(args));
      add(context ? `${context[1] ?? context[2]}${CONTEXT_SEPARATOR}${id}` : id, match.index);
    }
    for (const match of text.matchAll(new RegExp(String.raw`\{\{-?\s*${quoted}\s*\|\s*t\b`, 'g'))) {
      add(match[1] ?? match[2] ?? '', match.index);
    }
  }
  return found.filter((message) => message.key.length > 0);
}

/** Walks files and directories (skipping node_modules, dist, .git) and extracts from each. */
export async function extractFromPaths(
  paths: readonly string[],
  functions?: readonly string[],
): Promise<ExtractedMessage[]> {
  const found: ExtractedMessage[] = [];
  const visit = async (path: string): Promise<void> => {
    const info = await stat(path);
    if (info.isDirectory()) {
      for (const entry of (await readdir(path)).sort()) if (!SKIP.has(entry)) await visit(join(path, entry));
    } else if (CODE.has(extname(path)) || TEMPLATES.has(extname(path))) {
      found.push(...extractFromSource(await readFile(path, 'utf8'), path, functions));
    }
  };
  for (const path of paths) await visit(path);
  return found;
}

/** What {@link mergeCatalog} changed. */
export interface MergeResult {
  readonly catalog: Record<string, string>;
  readonly added: number;
  readonly kept: number;
  readonly obsolete: number;
  readonly restored: number;
}

/**
 * Merges extracted ids into an existing catalog: existing translations are kept, new ids get
 * the id itself in the default locale and `""` (untranslated) elsewhere, ids no longer in the
 * source are kept under the `#~ ` prefix (or dropped with `prune`), and an obsolete id that is
 * used again gets its old translation back.
 */
export function mergeCatalog(
  existing: Catalog,
  keys: readonly string[],
  options: { isDefault: boolean; prune?: boolean },
): MergeResult {
  const wanted = new Set(keys);
  // No prototype: an id such as `__proto__` must stay a plain key.
  const catalog: Record<string, string> = Object.create(null);
  let added = 0;
  let kept = 0;
  let restored = 0;
  let obsolete = 0;
  for (const key of [...wanted].sort()) {
    if (Object.hasOwn(existing, key)) {
      catalog[key] = existing[key]!;
      kept++;
    } else if (Object.hasOwn(existing, `${OBSOLETE_PREFIX}${key}`)) {
      catalog[key] = existing[`${OBSOLETE_PREFIX}${key}`]!;
      restored++;
    } else {
      catalog[key] = options.isDefault ? (key.split(CONTEXT_SEPARATOR).pop() ?? key) : '';
      added++;
    }
  }
  if (!options.prune) {
    for (const [key, value] of Object.entries(existing)) {
      const id = key.startsWith(OBSOLETE_PREFIX) ? key.slice(OBSOLETE_PREFIX.length) : key;
      if (wanted.has(id)) continue;
      catalog[`${OBSOLETE_PREFIX}${id}`] = value;
      obsolete++;
    }
  }
  return { catalog, added, kept, obsolete, restored };
}

function unescapeJs(text: string): string {
  return text.replace(/\\(u\{[0-9a-fA-F]+\}|u[0-9a-fA-F]{4}|x[0-9a-fA-F]{2}|.)/g, (_, sequence: string) => {
    if (sequence.startsWith('u{')) return String.fromCodePoint(Number.parseInt(sequence.slice(2, -1), 16));
    if (sequence.length > 1) return String.fromCharCode(Number.parseInt(sequence.slice(1), 16));
    return (
      ({ n: '\n', t: '\t', r: '\r', b: '\b', f: '\f', v: '\v', '0': '\0' } as Record<string, string>)[sequence] ??
      sequence
    );
  });
}
