import type pg from 'pg';
import { expectTypeOf, test } from 'vitest';
import type { PgPoolLike, PgQueryable } from '../src/postgres.js';

test('node-postgres fits the structural types of the PostgreSQL backend (no pg types in our .d.ts)', () => {
  expectTypeOf<pg.Pool>().toExtend<PgPoolLike>();
  expectTypeOf<pg.PoolClient>().toExtend<PgQueryable>();
  expectTypeOf<pg.Client>().toExtend<PgQueryable>();
  expectTypeOf<{ query(): void }>().not.toExtend<PgQueryable>();
});
