import { readdir, readFile, stat } from 'node:fs/promises';
import { extname, join } from 'node:path';
import { parseSync, Visitor } from 'oxc-parser';
import { blocktransId } from './blocktrans.js';
import { CONTEXT_SEPARATOR } from './catalog.js';
import { I18nError } from './errors.js';
import { blocktransArgs, transArgs } from './tag-args.js';

/** Where an id was found. */
export interface ExtractedMessage {
  /** The catalog key: the id, or `context\u0004id`. */
  readonly key: string;
  readonly file: string;
  readonly line: number;
}

const LANG = {
  '.ts': 'ts',
  '.mts': 'ts',
  '.cts': 'ts',
  '.tsx': 'tsx',
  '.js': 'jsx',
  '.jsx': 'jsx',
  '.mjs': 'jsx',
  '.cjs': 'jsx',
} as const;
const TEMPLATES = new Set(['.liquid', '.html']);
const SKIP = new Set(['node_modules', 'dist', '.git', '.turbo', 'coverage']);

/** The subset of the ESTree nodes (as oxc-parser gives them) the extractor reads. */
interface Node {
  readonly type: string;
  readonly start: number;
  readonly name?: string;
  readonly value?: unknown;
  readonly computed?: boolean;
  readonly property?: Node;
  readonly callee?: Node;
  readonly arguments?: readonly Node[];
  readonly expressions?: readonly Node[];
  readonly quasis?: readonly { readonly value: { readonly cooked: string | null } }[];
}

/** A string literal, or a template literal without `${}`; `undefined` for anything computed. */
function literal(node: Node | undefined): string | undefined {
  if (node?.type === 'Literal' && typeof node.value === 'string') return node.value;
  if (node?.type === 'TemplateLiteral' && node.expressions?.length === 0)
    return node.quasis?.[0]?.value.cooked ?? undefined;
  return undefined;
}

/** `t(...)`, `i18n.t(...)`, `i18n?.t(...)` and `i18n['t'](...)`: the called name. */
function calleeName(callee: Node | undefined): string | undefined {
  if (callee?.type === 'Identifier') return callee.name;
  if (callee?.type === 'MemberExpression') return callee.computed ? literal(callee.property) : callee.property?.name;
  return undefined;
}

/**
 * Finds message ids in source and templates (makemessages). In code, on the syntax tree of
 * oxc-parser (TypeScript, JSX, TSX): `t('id')`, `lazy('id')`, `pgettext('context', 'id')`,
 * also as methods (`i18n.t(...)`, `i18n?.t<Id>(...)`), with literal ids only (a string, or a
 * template literal without `${}`); ids in comments, in other strings and in computed calls are
 * not messages. In LiquidJS templates: `{% trans "id" %}` (with `context: "c"`),
 * `{% blocktrans %}body{% endblocktrans %}` and `{{ "id" | t }}`.
 *
 * @throws {@link I18nError} `ERR_INVALID_SOURCE` when a code file does not parse, naming file, line and column.
 */
export function extractFromSource(
  text: string,
  file: string,
  functions: readonly string[] = ['t', 'lazy'],
): ExtractedMessage[] {
  const found: ExtractedMessage[] = [];
  const add: AddMessage = (key, index) => found.push({ key, file, line: lineOf(text, index) });
  const ext = extname(file);
  const lang = LANG[ext as keyof typeof LANG];
  if (lang !== undefined) extractFromCode(text, file, lang, functions, add);
  else if (TEMPLATES.has(ext)) extractFromTemplate(text, add);
  return found.filter((message) => message.key.length > 0);
}

/** Records a message id found at a character index of the file. */
type AddMessage = (key: string, index: number) => void;

/** The 1-based line of a character index. */
const lineOf = (text: string, index: number) => text.slice(0, index).split('\n').length;

/** Ids of `t`/`lazy`/`pgettext` calls with literal arguments, from oxc-parser's syntax tree. */
function extractFromCode(
  text: string,
  file: string,
  lang: (typeof LANG)[keyof typeof LANG],
  functions: readonly string[],
  add: AddMessage,
): void {
  const result = parseSync(file, text, { lang, sourceType: 'unambiguous' });
  const error = result.errors.find((e) => e.severity === 'Error');
  if (error) {
    const at = error.labels[0]?.start ?? 0;
    const column = at - text.lastIndexOf('\n', at - 1);
    throw new I18nError(
      'ERR_INVALID_SOURCE',
      `${file}:${lineOf(text, at)}:${column}: ${error.message}; fix the syntax error (or exclude the file) before extracting`,
    );
  }
  const names = new Set(functions);
  new Visitor({
    CallExpression(call) {
      const node = call as unknown as Node;
      const name = calleeName(node.callee);
      const [first, second] = node.arguments ?? [];
      if (name === 'pgettext') {
        const context = literal(first);
        const id = literal(second);
        if (context !== undefined && id !== undefined) add(`${context}${CONTEXT_SEPARATOR}${id}`, node.start);
      } else if (name !== undefined && names.has(name)) {
        const id = literal(first);
        if (id !== undefined) add(id, node.start);
      }
    },
  }).visit(result.program);
}

/** A quoted literal's text, `undefined` for an expression (a variable is not extracted). */
const unquote = (expression: string | undefined) =>
  expression === undefined
    ? undefined
    : /^(?:'([^']*)'|"([^"]*)")$/
        .exec(expression.trim())
        ?.slice(1)
        .find((x) => x !== undefined);

const keyOf = (id: string, context: string | undefined) =>
  context === undefined ? id : `${context}${CONTEXT_SEPARATOR}${id}`;

/** Ids of a LiquidJS template: `{% trans %}`, `{% blocktrans %}` blocks and `{{ "id" | t }}`. */
function extractFromTemplate(text: string, add: AddMessage): void {
  for (const match of text.matchAll(/\{%-?\s*(?:trans|translate)\s+([\s\S]*?)-?%\}/g)) {
    let args: ReturnType<typeof transArgs>;
    try {
      args = transArgs(match[1] ?? '');
    } catch {
      continue; // the template engine reports it
    }
    const id = unquote(args.id.split('|')[0]);
    if (id === undefined || args.noop) continue;
    const context = args.context === undefined ? undefined : unquote(args.context);
    if (args.context !== undefined && context === undefined) continue; // a context from a variable
    add(keyOf(id, context), match.index);
  }
  const blocks = /\{%-?\s*(blocktrans|blocktranslate)\b([\s\S]*?)-?%\}([\s\S]*?)\{%-?\s*end\1\s*-?%\}/g;
  for (const match of text.matchAll(blocks)) {
    let args: ReturnType<typeof blocktransArgs>;
    try {
      args = blocktransArgs(match[2] ?? '');
    } catch {
      continue;
    }
    const context = args.context === undefined ? undefined : unquote(args.context);
    if (args.context !== undefined && context === undefined) continue;
    const [singular = '', plural] = (match[3] ?? '').split(/\{%-?\s*plural\s*-?%\}/);
    add(keyOf(blocktransId(singular, args.count === undefined ? undefined : plural, args), context), match.index);
  }
  const quoted = `(?:'([^']*)'|"([^"]*)")`;
  for (const match of text.matchAll(new RegExp(String.raw`\{\{-?\s*${quoted}\s*\|\s*t\b`, 'g'))) {
    add(match[1] ?? match[2] ?? '', match.index);
  }
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
    } else if (extname(path) in LANG || TEMPLATES.has(extname(path))) {
      found.push(...extractFromSource(await readFile(path, 'utf8'), path, functions));
    }
  };
  for (const path of paths) await visit(path);
  return found;
}
