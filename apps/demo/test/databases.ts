import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** Whether this project runs the suites with the board on PostgreSQL (the `demo-postgres` project). */
export const onPostgres = process.env.ADV_TEST_DATABASE === 'postgres';

/** The test server's URL, or `null` when no PostgreSQL could be started (outside CI only). */
export const postgresUrl: string | null = inject('postgresUrl');

/** A database of its own on the test server (suites run in parallel); `drop()` removes it. */
export interface ScratchDatabase {
  url: string;
  drop(): Promise<void>;
}

async function onServer(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** Creates an empty database on the test server. */
export async function scratchPostgres(serverUrl: string): Promise<ScratchDatabase> {
  const name = `board_${randomBytes(6).toString('hex')}`;
  await onServer(serverUrl, `CREATE DATABASE ${name}`);
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => onServer(serverUrl, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`),
  };
}

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
