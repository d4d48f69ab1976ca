export type { ArgumentKind, Catalog, CompiledMessage, ValidateCatalogInput, ValidatedCatalog } from './catalog.js';
export { CONTEXT_SEPARATOR, compileMessage, OBSOLETE_PREFIX, validateCatalog } from './catalog.js';
export type { LoadedCatalogs } from './catalog-files.js';
export { loadCatalogs, writeCatalog } from './catalog-files.js';
export type { CatalogIssue, I18nErrorCode } from './errors.js';
export { CatalogError, formatIssue, I18nError } from './errors.js';
export type { Localizer } from './format.js';
export { readCookie } from './http-util.js';
export type { I18n } from './i18n.js';
export { CATALOG_WARNING, createI18n } from './i18n.js';
export { LazyMessage } from './lazy.js';
export type { LocaleMiddlewareOptions, LocaleSource } from './middleware.js';
export { LOCALE_MIDDLEWARE_DEFAULTS, localeMiddleware } from './middleware.js';
export type { LanguageRange } from './negotiate.js';
export {
  createNegotiator,
  MAX_ACCEPT_LANGUAGE_LENGTH,
  MAX_LANGUAGE_RANGES,
  matchLocale,
  parseAcceptLanguage,
} from './negotiate.js';
export type { LanguageInfo, LocalizePathOptions } from './paths.js';
export { languageInfo, localizePath } from './paths.js';
export { catalogsReady } from './readiness.js';
export type { SetLanguageOptions } from './set-language.js';
export { isSafeRedirect, SET_LANGUAGE_DEFAULTS, setLanguage } from './set-language.js';
export type {
  ActivateOptions,
  DateInput,
  I18nOptions,
  KnownContextId,
  MessageIdOf,
  MessageValues,
  MissingMessage,
} from './types.js';
