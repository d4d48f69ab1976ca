// `@adv/i18n/tools`: what the adv-i18n CLI runs (makemessages and .po import), for scripts.
// Its parsers are optional peer dependencies, so an app that only calls t() does not install them:
// extraction needs `oxc-parser`, .po reading needs `gettext-parser`.
export type { ExtractedMessage } from './extract.js';
export { extractFromPaths, extractFromSource } from './extract.js';
export type { MergeCatalogOptions, MergeResult } from './merge.js';
export { mergeCatalog } from './merge.js';
export type { CatalogToPoOptions, PoConversion, PoEntry, PoFile, PoToCatalogOptions } from './po.js';
export { catalogToPo, ICU_FLAG, parsePo, parsePoFile, poEntryKey, poToCatalog } from './po.js';
export { pythonFormatToIcu } from './python-format.js';
