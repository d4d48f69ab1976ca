export { PostgresBackend, postgresBackend } from './postgres/backend.js';
export type {
  PgNamedQuery,
  PgPoolClientLike,
  PgPoolLike,
  PgQueryable,
  PgResultLike,
} from './postgres/connection.js';
export type { PostgresBackendOptions } from './postgres/options.js';
export { POSTGRES_DEFAULTS } from './postgres/options.js';
