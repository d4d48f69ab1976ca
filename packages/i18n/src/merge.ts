import type { OptionKeys } from '@adv/types';
import { type Catalog, CONTEXT_SEPARATOR, OBSOLETE_PREFIX } from './catalog.js';
import { i18nOptions } from './options.js';

/** Options of {@link mergeCatalog}. */
export interface MergeCatalogOptions {
  /** Whether the catalog is the default locale's: new ids get the id itself as text, else `""`. */
  isDefault: boolean;
  /**
   * Drop ids no longer in the source instead of keeping them under the `#~ ` prefix.
   * @defaultValue `false`
   */
  prune?: boolean | undefined;
}

const MERGE_CATALOG_KEYS: OptionKeys<MergeCatalogOptions> = { isDefault: true, prune: true };

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
export function mergeCatalog(existing: Catalog, keys: readonly string[], options: MergeCatalogOptions): MergeResult {
  i18nOptions('mergeCatalog', options, MERGE_CATALOG_KEYS, {});
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
