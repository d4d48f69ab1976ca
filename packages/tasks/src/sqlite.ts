export { SqliteBackend, sqliteBackend } from './sqlite/backend.js';
export type { SqliteBackendOptions } from './sqlite/options.js';
export { SQLITE_DEFAULTS } from './sqlite/options.js';
export type { SqliteConnectionLike, SqliteStatementLike } from './sqlite/transactional.js';
