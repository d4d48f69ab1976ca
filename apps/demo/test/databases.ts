import { inject } from 'vitest';
import { scratchPostgres } from './scratch-postgres.js';

export { type ScratchDatabase, scratchPostgres } from './scratch-postgres.js';

/** Whether this project runs the suites with the board on PostgreSQL (the `demo-postgres` project). */
export const onPostgres = process.env.ADV_TEST_DATABASE === 'postgres';

/** The test server's URL, or `null` when no PostgreSQL could be started (outside CI only). */
export const postgresUrl: string | null = inject('postgresUrl');

/**
 * The environment that puts a demo on the database of this project: a fresh PostgreSQL
 * database in `demo-postgres`, nothing (the SQLite file in its data folder) in `demo`.
 */
export async function databaseEnv(): Promise<{ env: Record<string, string>; drop(): Promise<void> }> {
  if (!onPostgres) return { env: {}, drop: async () => {} };
  if (postgresUrl === null) throw new Error('The demo-postgres project needs a PostgreSQL server (postgresUrl)');
  const scratch = await scratchPostgres(postgresUrl);
  return { env: { DATABASE_URL: scratch.url }, drop: scratch.drop };
}
