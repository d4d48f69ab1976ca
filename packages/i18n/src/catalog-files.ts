import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { Catalog } from './catalog.js';
import { CatalogError, type CatalogIssue } from './errors.js';
import { canonicalLocale } from './locale-tags.js';

/** Catalogs read from a directory, with the file of each for error messages. */
export interface LoadedCatalogs {
  /** Catalogs by canonical locale (`pt-BR.json` -> `pt-BR`). */
  readonly messages: Record<string, Catalog>;
  /** The file each catalog was read from, by locale. */
  readonly files: Record<string, string>;
}

/**
 * Reads every `<locale>.json` in `dir` (Django's `locale/` directory, one flat ICU catalog per
 * file). Pass the result's `messages` and `files` to `createI18n`, which validates them and names
 * the file in each error. A file that is not valid JSON, or two files for one locale (`pt-BR.json` and
 * `pt-br.json`), is a {@link CatalogError} naming them.
 *
 * @example
 * ```ts
 * const { messages, files } = await loadCatalogs('locale');
 * const i18n = createI18n({ locales: ['en', 'pt-BR'], defaultLocale: 'en', messages, files });
 * ```
 */
export async function loadCatalogs(dir: string): Promise<LoadedCatalogs> {
  const messages: Record<string, Catalog> = {};
  const files: Record<string, string> = {};
  const issues: CatalogIssue[] = [];
  for (const entry of (await readdir(dir)).sort()) {
    if (!entry.endsWith('.json')) continue;
    const file = join(dir, entry);
    const locale = canonicalLocale(basename(entry, '.json'));
    if (!locale) continue;
    if (files[locale] !== undefined || issues.some((issue) => issue.locale === locale)) {
      const first = files[locale] ?? issues.find((issue) => issue.locale === locale)!.file!;
      issues.push({
        severity: 'error',
        locale,
        key: undefined,
        file,
        message: duplicateCatalogMessage(locale, [first, file]),
      });
      continue;
    }
    try {
      messages[locale] = JSON.parse(await readFile(file, 'utf8')) as Catalog;
      files[locale] = file;
    } catch (error) {
      const message = `Not valid JSON: ${error instanceof Error ? error.message : String(error)}`;
      issues.push({ severity: 'error', locale, key: undefined, file, message });
    }
  }
  if (issues.length > 0) throw new CatalogError(issues);
  return { messages, files };
}

/** The error text for two files holding one locale (`pt-BR.json` and `pt-br.json`). */
export function duplicateCatalogMessage(locale: string, files: readonly string[]): string {
  return `Two catalogs hold ${locale}: ${files.join(' and ')}; merge them into one file`;
}

/** Writes a catalog as stable, reviewable JSON (two-space indent, trailing newline). */
export async function writeCatalog(file: string, catalog: Catalog): Promise<void> {
  await writeFile(file, `${JSON.stringify(catalog, null, 2)}\n`, 'utf8');
}
