export type { OutboxEntry, OutboxOptions, OutboxTarget } from './outbox/outbox.js';
export { createOutbox, Outbox, PostgresOutbox, SqliteOutbox } from './outbox/outbox.js';
export type {
  OutboxPgClient,
  OutboxPgPool,
  OutboxPgQueryable,
  OutboxPgResult,
  OutboxSqliteDatabase,
  OutboxSqliteStatement,
} from './outbox/types.js';
