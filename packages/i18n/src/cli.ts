#!/usr/bin/env node
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { parseArgs } from 'node:util';
import { type Catalog, validateCatalog } from './catalog.js';
import { duplicateCatalogMessage, writeCatalog } from './catalog-files.js';
import { type CatalogIssue, formatIssue, I18nError } from './errors.js';
import { canonicalLocale } from './locale-tags.js';
import { mergeCatalog } from './merge.js';

const USAGE = `Usage: adv-i18n <command> [options]

Commands:
  extract [paths...]   Find message ids in source and templates; update <dir>/<locale>.json,
                       keeping translations and marking unused ids obsolete ("#~ " prefix).
      --dir <dir>          catalog directory (default: locale)
      --locales <a,b>      locales to write (default: the existing catalogs, plus --default)
      --default <locale>   default locale: new ids get the id as text there (default: en)
      --functions <a,b>    translation function names (default: t,lazy; pgettext always)
      --prune              drop obsolete entries instead of keeping them
                       Needs oxc-parser: npm install --save-dev oxc-parser
  check                Validate every catalog in <dir>; exit 1 on errors (compilemessages).
      --dir <dir>          catalog directory (default: locale)
      --default <locale>   the reference locale (default: en)
      --partial <a,b>      fallback-only locales that need not be complete (e.g. pt)
      --strict             fail on warnings too (missing translations, unused arguments)
  import-po <file.po>  Convert a Django/gettext .po file into <dir>/<locale>.json.
      --locale <locale>    the catalog's locale (required)
      --dir <dir>          catalog directory (default: locale)
      --overwrite          replace existing translations (default: only fill missing/empty)
                       Needs: npm install --save-dev gettext-parser @tannin/plural-forms
  export-po            Write <dir>/<locale>.json as a .po file for translators' tools; entries are
                       flagged icu-message-format, so import-po reads them back unchanged.
      --locale <locale>    the catalog's locale (required)
      --dir <dir>          catalog directory (default: locale)
      --default <locale>   its text of each id goes in a "#." comment (default: en)
      --out <file>         where to write (default: <dir>/<locale>.po)
                       Needs: npm install --save-dev gettext-parser @tannin/plural-forms
`;

/** Runs the CLI with `argv` (without `node` and the script); resolves to the exit code. */
export async function main(argv: readonly string[], out = console): Promise<number> {
  const [command, ...rest] = argv;
  const { values, positionals } = parseArgs({ args: rest, allowPositionals: true, options: CLI_OPTIONS });
  const run = Object.hasOwn(COMMANDS, command ?? '') ? COMMANDS[command as keyof typeof COMMANDS] : undefined;
  if (run !== undefined) return run(values, positionals, out);
  out.log(USAGE);
  return command === undefined || command === 'help' || command === '--help' ? 0 : 1;
}

const CLI_OPTIONS = {
  dir: { type: 'string', default: 'locale' },
  locales: { type: 'string' },
  default: { type: 'string', default: 'en' },
  functions: { type: 'string', default: 't,lazy' },
  prune: { type: 'boolean', default: false },
  partial: { type: 'string', default: '' },
  strict: { type: 'boolean', default: false },
  locale: { type: 'string' },
  overwrite: { type: 'boolean', default: false },
  out: { type: 'string' },
} as const;

/** The parsed options every command reads. */
type CliValues = ReturnType<
  typeof parseArgs<{ args: string[]; allowPositionals: true; options: typeof CLI_OPTIONS }>
>['values'];

/** One command: the parsed options and positionals in, the exit code out. */
type Command = (values: CliValues, positionals: readonly string[], out: Console) => Promise<number>;

/** A comma-separated option as a list, blanks dropped. */
const list = (text: string | undefined): string[] =>
  text
    ? text
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : [];

/** `extract`: collects the ids the source uses and merges them into each locale's catalog. */
async function extractCommand(values: CliValues, positionals: readonly string[], out: Console): Promise<number> {
  const defaultLocale = locales('extract', '--default', [values.default], out)?.[0];
  const wanted = values.locales === undefined ? [] : locales('extract', '--locales', list(values.locales), out);
  if (defaultLocale === undefined || wanted === undefined) return 1;
  const tools = await optionalPeer('extract', ['oxc-parser'], () => import('./extract.js'), out);
  if (tools === undefined) return 1;
  let found: Awaited<ReturnType<typeof tools.extractFromPaths>>;
  try {
    found = await tools.extractFromPaths(positionals.length > 0 ? positionals : ['src'], list(values.functions));
  } catch (error) {
    if (!(error instanceof I18nError && error.code === 'ERR_INVALID_SOURCE')) throw error;
    out.error(`adv-i18n extract: ${error.message}`);
    return 1;
  }
  const keys = [...new Set(found.map((message) => message.key))];
  const existing = await readCatalogDir(values.dir);
  for (const [, { file, error }] of existing) {
    if (error) {
      out.error(`adv-i18n extract: ${file}: ${error}; fix it first`);
      return 1;
    }
  }
  const targets = wanted.length > 0 ? wanted : [...new Set([defaultLocale, ...existing.keys()])];
  await mkdir(values.dir, { recursive: true });
  for (const locale of targets) {
    // Written back to the file it was read from (`pt-br.json` stays `pt-br.json`).
    const file = existing.get(locale)?.file ?? join(values.dir, `${locale}.json`);
    const result = mergeCatalog(existing.get(locale)?.catalog ?? {}, keys, {
      isDefault: locale === defaultLocale,
      prune: values.prune,
    });
    await writeCatalog(file, result.catalog);
    out.log(
      `${file}: ${keys.length} ids (${result.added} new, ${result.kept} kept, ${result.restored} restored, ${result.obsolete} obsolete)`,
    );
  }
  return 0;
}

/** `check`: validates every catalog against the default locale's; non-zero on an error (or any problem with `--strict`). */
async function checkCommand(values: CliValues, _positionals: readonly string[], out: Console): Promise<number> {
  const defaultLocale = locales('check', '--default', [values.default], out)?.[0];
  const partialLocales = locales('check', '--partial', list(values.partial), out);
  if (defaultLocale === undefined || partialLocales === undefined) return 1;
  const catalogs = await readCatalogDir(values.dir);
  const reference = catalogs.get(defaultLocale);
  if (!reference) {
    out.error(`adv-i18n check: no catalog for the default locale ${defaultLocale} in ${values.dir}`);
    return 1;
  }
  const partial = new Set(partialLocales);
  const issues: CatalogIssue[] = [];
  for (const [locale, { file, error }] of catalogs) {
    if (error) issues.push({ severity: 'error', locale, key: undefined, file, message: error });
  }
  const checked = validateCatalog({ locale: defaultLocale, catalog: reference.catalog, file: reference.file });
  issues.push(...checked.issues);
  for (const [locale, { catalog, file, error }] of catalogs) {
    if (locale === defaultLocale || error) continue;
    const input = { locale, catalog, file, reference: checked.compiled, defaultLocale };
    issues.push(...validateCatalog({ ...input, complete: !partial.has(locale) }).issues);
  }
  for (const issue of issues)
    out[issue.severity === 'error' ? 'error' : 'warn'](`${issue.severity}: ${formatIssue(issue)}`);
  const errors = issues.filter((issue) => issue.severity === 'error' || values.strict).length;
  out.log(`adv-i18n check: ${catalogs.size} catalogs, ${issues.length} problem(s), ${errors} fatal`);
  return errors > 0 ? 1 : 0;
}

/** `import-po`: reads a gettext .po file into a locale's catalog (existing translations kept unless `--overwrite`). */
async function importPoCommand(values: CliValues, positionals: readonly string[], out: Console): Promise<number> {
  const [poFile] = positionals;
  const locale = canonicalLocale(values.locale ?? '');
  if (!poFile || !locale) {
    out.error('adv-i18n import-po: expected a .po file and --locale <locale>');
    return 1;
  }
  const tools = await optionalPeer(
    'import-po',
    ['gettext-parser', '@tannin/plural-forms'],
    () => import('./po.js'),
    out,
  );
  if (tools === undefined) return 1;
  // Bytes, not text: gettext-parser decodes with the charset the .po header names.
  const { entries, headers } = tools.parsePoFile(await readFile(poFile));
  const { catalog, skipped } = tools.poToCatalog(entries, locale, { pluralForms: headers['Plural-Forms'] });
  const current = (await readCatalogDir(values.dir)).get(locale);
  if (current?.error) {
    out.error(`adv-i18n import-po: ${current.file}: ${current.error}; fix it first`);
    return 1;
  }
  const file = current?.file ?? join(values.dir, `${locale}.json`);
  // No prototype: an id such as `__proto__` must stay a plain key.
  const existing: Record<string, string> = Object.assign(Object.create(null), current?.catalog);
  let written = 0;
  for (const [key, value] of Object.entries(catalog)) {
    if (values.overwrite || !existing[key]) {
      existing[key] = value;
      written++;
    }
  }
  await mkdir(values.dir, { recursive: true });
  await writeCatalog(file, existing);
  for (const { id, reason } of skipped) out.warn(`skipped ${JSON.stringify(id)}: ${reason}`);
  out.log(`${file}: ${written} translation(s) imported, ${skipped.length} skipped`);
  return 0;
}

/** `export-po`: writes a locale's catalog as a .po file for translators. */
async function exportPoCommand(values: CliValues, _positionals: readonly string[], out: Console): Promise<number> {
  const locale = canonicalLocale(values.locale ?? '');
  const defaultLocale = locales('export-po', '--default', [values.default], out)?.[0];
  if (!locale || defaultLocale === undefined) {
    out.error('adv-i18n export-po: expected --locale <locale>');
    return 1;
  }
  const catalogs = await readCatalogDir(values.dir);
  const current = catalogs.get(locale);
  if (!current || current.error) {
    out.error(
      `adv-i18n export-po: ${current ? `${current.file}: ${current.error}` : `no catalog for ${locale} in ${values.dir}`}`,
    );
    return 1;
  }
  const tools = await optionalPeer(
    'export-po',
    ['gettext-parser', '@tannin/plural-forms'],
    () => import('./po.js'),
    out,
  );
  if (tools === undefined) return 1;
  const reference = locale === defaultLocale ? undefined : catalogs.get(defaultLocale)?.catalog;
  const file = values.out ?? join(values.dir, `${locale}.po`);
  await writeFile(file, tools.catalogToPo(current.catalog, { locale, reference }));
  out.log(`${file}: ${Object.keys(current.catalog).length} entries written`);
  return 0;
}

const COMMANDS: Record<'extract' | 'check' | 'import-po' | 'export-po', Command> = {
  extract: extractCommand,
  check: checkCommand,
  'import-po': importPoCommand,
  'export-po': exportPoCommand,
};

/**
 * Loads the module of a command whose parser is an optional peer dependency; when the peer is
 * not installed, prints which package to install and resolves to `undefined`.
 */
async function optionalPeer<T>(
  command: string,
  peers: readonly string[],
  load: () => Promise<T>,
  out: Console,
): Promise<T | undefined> {
  try {
    return await load();
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const missing = peers.find((peer) => String(error).includes(`'${peer}'`));
    if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && missing !== undefined) {
      const names = peers.length === 1 ? `the ${missing} package` : `${peers.join(' and ')} (${missing} is missing)`;
      out.error(`adv-i18n ${command} needs ${names}: npm install --save-dev ${peers.join(' ')}`);
      return undefined;
    }
    throw error;
  }
}

/** Canonical forms of locale options (`pt-br` -> `pt-BR`), or `undefined` after printing the bad one. */
function locales(command: string, option: string, tags: readonly string[], out: Console): string[] | undefined {
  const canonical: string[] = [];
  for (const tag of tags) {
    const locale = canonicalLocale(tag);
    if (locale === undefined) {
      out.error(`adv-i18n ${command}: ${option} expects BCP 47 locale tags such as pt-BR, got ${JSON.stringify(tag)}`);
      return undefined;
    }
    canonical.push(locale);
  }
  return canonical;
}

interface CatalogFile {
  catalog: Catalog;
  file: string;
  /** Set when the file is not valid JSON, or another file holds the same locale. */
  error?: string;
}

async function readCatalogDir(dir: string): Promise<Map<string, CatalogFile>> {
  const catalogs = new Map<string, CatalogFile>();
  if (!existsSync(dir)) return catalogs;
  for (const entry of (await readdir(dir)).sort()) {
    const locale = entry.endsWith('.json') ? canonicalLocale(basename(entry, '.json')) : undefined;
    if (!locale) continue;
    const file = join(dir, entry);
    const other = catalogs.get(locale);
    if (other) {
      // `pt-BR.json` and `pt-br.json`: merging into either would lose the other's translations.
      other.error = duplicateCatalogMessage(locale, [other.file, file]);
      continue;
    }
    try {
      catalogs.set(locale, { catalog: JSON.parse(await readFile(file, 'utf8')) as Catalog, file });
    } catch (error) {
      const message = `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
      catalogs.set(locale, { catalog: {}, file, error: message });
    }
  }
  return catalogs;
}

const invokedDirectly = process.argv[1] !== undefined && /adv-i18n|cli\.[jt]s$/.test(process.argv[1]);
if (invokedDirectly) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      console.error(`adv-i18n: ${error instanceof Error ? error.message : String(error)}`);
      process.exitCode = 2;
    },
  );
}
