import type { Catalog, CompiledMessage } from './catalog.js';
import { validateCatalog } from './catalog.js';
import { CatalogError, type CatalogIssue, formatIssue, I18nError } from './errors.js';
import type { MessageEntry } from './message-table.js';

/** What the registry needs from the resolved options. */
export interface RegistryOptions {
  defaultLocale: string;
  locales: readonly string[];
  messages: Record<string, unknown>;
  loadMessages: ((locale: string) => Catalog | Promise<Catalog>) | undefined;
  strict: boolean;
  files: Record<string, string>;
  onWarnings: (text: string) => void;
}

const MAX_LISTED_WARNINGS = 20;

/** Holds the validated, compiled catalogs of every loaded locale, and loads the others. */
export class CatalogRegistry {
  /** Called after a catalog was added, so lookup tables are rebuilt. */
  onChange: () => void = () => {};
  readonly #options: RegistryOptions;
  readonly #entries = new Map<string, Map<string, MessageEntry>>();
  readonly #pending = new Map<string, Promise<void>>();
  #reference: ReadonlyMap<string, CompiledMessage> | undefined;

  constructor(options: RegistryOptions) {
    this.#options = options;
    const { messages, defaultLocale } = options;
    const issues: CatalogIssue[] = [];
    if (defaultLocale in messages) issues.push(...this.#add(defaultLocale, messages[defaultLocale]));
    for (const [locale, catalog] of Object.entries(messages)) {
      if (locale !== defaultLocale) issues.push(...this.#add(locale, catalog));
    }
    this.#report(issues);
  }

  /** The compiled messages of a loaded locale. */
  entries(locale: string): ReadonlyMap<string, MessageEntry> | undefined {
    return this.#entries.get(locale);
  }

  /** Whether every catalog of the chain is loaded (always true without `loadMessages`). */
  isLoaded(chain: readonly string[]): boolean {
    return this.#options.loadMessages === undefined || chain.every((locale) => this.#entries.has(locale));
  }

  /** Loads the catalogs of a chain that are not loaded yet, the default one first. */
  async load(chain: readonly string[]): Promise<void> {
    if (this.isLoaded(chain)) return;
    await this.#loadOne(this.#options.defaultLocale);
    await Promise.all(chain.map((locale) => this.#loadOne(locale)));
  }

  #loadOne(locale: string): Promise<void> {
    if (this.#entries.has(locale)) return Promise.resolve();
    let pending = this.#pending.get(locale);
    if (!pending) {
      pending = this.#fetch(locale).finally(() => this.#pending.delete(locale));
      this.#pending.set(locale, pending);
    }
    return pending;
  }

  async #fetch(locale: string): Promise<void> {
    let catalog: unknown;
    try {
      catalog = await this.#options.loadMessages?.(locale);
    } catch (cause) {
      throw new I18nError('ERR_LOAD_FAILED', `Could not load the catalog of \`${locale}\`: ${errorText(cause)}`, {
        cause,
      });
    }
    this.#report(this.#add(locale, catalog));
  }

  #add(locale: string, catalog: unknown): CatalogIssue[] {
    const isDefault = locale === this.#options.defaultLocale;
    const { issues, compiled } = validateCatalog({
      locale,
      catalog,
      file: this.#options.files[locale],
      reference: isDefault ? undefined : this.#reference,
      defaultLocale: this.#options.defaultLocale,
      complete: this.#options.locales.includes(locale),
    });
    if (issues.some((issue) => issue.severity === 'error' || this.#options.strict)) return issues;
    if (isDefault) this.#reference = compiled;
    const entries = new Map<string, MessageEntry>();
    for (const [id, message] of compiled) {
      entries.set(id, { locale, message, formatter: undefined, byTimeZone: undefined });
    }
    this.#entries.set(locale, entries);
    this.onChange();
    return issues;
  }

  #report(issues: readonly CatalogIssue[]): void {
    const strict = this.#options.strict;
    const fatal = issues.filter((issue) => issue.severity === 'error' || strict);
    if (fatal.length > 0) throw new CatalogError(fatal);
    if (issues.length === 0) return;
    const listed = issues.slice(0, MAX_LISTED_WARNINGS).map((issue) => `  - ${formatIssue(issue)}`);
    const more = issues.length > MAX_LISTED_WARNINGS ? `\n  ... and ${issues.length - MAX_LISTED_WARNINGS} more` : '';
    this.#options.onWarnings(`@adv/i18n: ${issues.length} catalog warning(s):\n${listed.join('\n')}${more}`);
  }
}

function errorText(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
