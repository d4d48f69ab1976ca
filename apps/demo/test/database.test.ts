import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { onCommit } from '@adv/signals';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Board } from '../src/board.js';
import { type DatabaseLocation, inspectMigrations, openDatabase } from '../src/db/database.js';
import { MIGRATIONS, migrate, pendingMigrations } from '../src/db/migrations.js';
import type { PostgresDatabase } from '../src/db/postgres.js';
import { DatabaseError, type SqlDatabase } from '../src/db/sql.js';
import { postgresUrl, type ScratchDatabase, scratchPostgres } from './databases.js';

const isCI = process.env.CI === 'true' || process.env.CI === '1';
if (!postgresUrl && !isCI)
  console.warn('\n!!! No PostgreSQL server: the PostgreSQL half of database.test.ts is SKIPPED\n');

/** A fresh, empty database of each dialect. */
interface Target {
  name: string;
  create(): Promise<{ location: DatabaseLocation; drop(): Promise<void> }>;
}

const sqlite: Target = {
  name: 'SQLite',
  async create() {
    const dir = mkdtempSync(join(tmpdir(), 'adv-demo-db-'));
    return { location: { file: join(dir, 'board.sqlite3') }, drop: async () => rmSync(dir, { recursive: true }) };
  },
};
const postgres: Target = {
  name: 'PostgreSQL',
  async create() {
    const scratch: ScratchDatabase = await scratchPostgres(postgresUrl!);
    return { location: { url: scratch.url, file: 'unused' }, drop: scratch.drop };
  },
};

describe.each(postgresUrl ? [sqlite, postgres] : [sqlite])('the board on $name', (target) => {
  let location: DatabaseLocation;
  let drop: () => Promise<void>;
  const open: SqlDatabase[] = [];
  const connect = async () => {
    const db = await openDatabase(location);
    open.push(db);
    return db;
  };
  beforeEach(async () => {
    ({ location, drop } = await target.create());
  });
  afterEach(async () => {
    for (const db of open.splice(0)) await db.close();
    await drop();
  });

  it('reports every migration pending on a new database without creating anything, then applies each once', async () => {
    expect(await inspectMigrations(location)).toEqual(MIGRATIONS.map((m) => m.id));
    expect(await inspectMigrations(location)).toEqual(MIGRATIONS.map((m) => m.id));
    const db = await connect();
    expect(await pendingMigrations(db)).toEqual([]);
    expect(await migrate(db)).toEqual([]);
    expect(await inspectMigrations(location)).toEqual([]);
  });

  it('migrates and seeds once when several processes start together', async () => {
    const dbs = await Promise.all([connect(), connect(), connect()]);
    await Promise.all(dbs.map((db) => new Board(db).seed()));
    const [db] = dbs;
    expect(await db!.all('SELECT id FROM schema_migrations')).toHaveLength(MIGRATIONS.length);
    expect(await new Board(db!).articles.count()).toBe(2);
  });

  it('reads back what it wrote with the types the pages expect, Unicode intact', async () => {
    const board = new Board(await connect());
    const article = await board.createArticle({
      title: 'Olá, São Paulo 🌎',
      body: 'ação',
      authorName: 'Zoë',
      authorEmail: 'zoe@example.com',
    });
    const added = await board.addComment({ articleId: article.id, authorName: 'Ünal', body: 'çà va?' });
    expect(typeof article.id).toBe('number');
    expect(added!.article).toMatchObject({ title: 'Olá, São Paulo 🌎', authorName: 'Zoë', commentCount: 1 });
    expect(await board.comments.forArticle(article.id)).toEqual([
      {
        id: added!.comment.id,
        articleId: article.id,
        authorName: 'Ünal',
        body: 'çà va?',
        createdAt: expect.any(String),
      },
    ]);
    expect((await board.articles.popular(1))[0]).toMatchObject({ id: article.id, commentCount: 1 });
    expect(await board.addComment({ articleId: 999, authorName: 'x', body: 'y' })).toBeUndefined();
    // The same author by e-mail is one row, renamed.
    await board.createArticle({ title: 't2', body: 'b', authorName: 'Zoe', authorEmail: 'zoe@example.com' });
    expect((await board.articles.latest(1))[0]!.authorName).toBe('Zoe');
    expect(await board.db.all('SELECT id FROM authors')).toHaveLength(1);
  });

  it('rolls a failed block back, runs onCommit work only after COMMIT, and undoes only a failed nested block', async () => {
    const board = new Board(await connect());
    const { id } = await board.createArticle({ title: 't', body: 'b', authorName: 'A', authorEmail: 'a@x.org' });
    const ran: string[] = [];
    await expect(
      board.atomic(async () => {
        await board.comments.create({ articleId: id, authorName: 'A', body: 'rolled back' });
        onCommit(() => ran.push('after rollback'));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    await board.atomic(async () => {
      await board.comments.create({ articleId: id, authorName: 'A', body: 'kept' });
      await board
        .atomic(async () => {
          await board.comments.create({ articleId: id, authorName: 'A', body: 'inner, undone' });
          onCommit(() => ran.push('inner'));
          throw new Error('inner');
        })
        .catch(() => {});
      onCommit(async () => {
        // Runs once committed: another connection sees the row.
        ran.push(`committed: ${(await board.comments.forArticle(id)).map((c) => c.body).join(',')}`);
      });
    });
    expect(ran).toEqual(['committed: kept']);
    expect((await board.comments.forArticle(id)).map((c) => c.body)).toEqual(['kept']);
  });

  it('keeps work outside a block out of its transaction, so a rollback cannot take it along', async () => {
    const board = new Board(await connect());
    const { id } = await board.createArticle({ title: 't', body: 'b', authorName: 'A', authorEmail: 'a@x.org' });
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let inserted!: () => void;
    const insideDone = new Promise<void>((resolve) => {
      inserted = resolve;
    });
    const block = board.atomic(async () => {
      await board.comments.create({ articleId: id, authorName: 'A', body: 'inside' });
      inserted();
      await held;
      throw new Error('roll back');
    });
    await insideDone;
    // Another request writes and reads while the block is open.
    const outside = (async () => {
      await board.comments.create({ articleId: id, authorName: 'B', body: 'outside' });
      return (await board.comments.forArticle(id)).map((c) => c.body);
    })();
    await new Promise((resolve) => setTimeout(resolve, 50));
    release();
    await expect(block).rejects.toThrow('roll back');
    // It never saw the uncommitted row, and its own write survived the rollback.
    expect(await outside).toEqual(['outside']);
    expect((await board.comments.forArticle(id)).map((c) => c.body)).toEqual(['outside']);
  });

  it('keeps a block its connection while another block (of another database) ends first, and none after', async () => {
    // The block storage switches itself off when no block runs (block-scope.ts): a block ending
    // must not take the store away from one still running.
    const first = await connect();
    const other = await target.create();
    const second = await openDatabase(other.location);
    try {
      await blocksOnTwoDatabases(first, second);
    } finally {
      await second.close();
      await other.drop();
    }
  });

  const blocksOnTwoDatabases = async (first: SqlDatabase, second: SqlDatabase) => {
    let finishFirst!: () => void;
    const firstHeld = new Promise<void>((resolve) => {
      finishFirst = resolve;
    });
    let secondIn!: () => void;
    const secondEntered = new Promise<void>((resolve) => {
      secondIn = resolve;
    });
    let finishSecond!: () => void;
    const secondHeld = new Promise<void>((resolve) => {
      finishSecond = resolve;
    });
    const seen: boolean[] = [];
    const a = first.atomic(async () => {
      await firstHeld;
      seen.push(first.blockConnection() !== undefined);
    });
    const b = (async () => {
      // Outside the first block's context: a separate request on another database.
      await new Promise((resolve) => setImmediate(resolve));
      return second.atomic(async () => {
        secondIn();
        await secondHeld;
        seen.push(second.blockConnection() !== undefined);
      });
    })();
    await secondEntered;
    finishFirst();
    await a;
    finishSecond();
    await b;
    expect(seen).toEqual([true, true]);
    expect([first.blockConnection(), second.blockConnection()]).toEqual([undefined, undefined]);
    // The next block turns the storage on again.
    expect(await first.atomic(async () => first.blockConnection() !== undefined)).toBe(true);
  };

  it('ends a block at COMMIT: onCommit work that never settles holds no lock or connection', async () => {
    // One pooled connection on PostgreSQL: a block that kept it through its callbacks would stall everything.
    const db = await openDatabase({ ...location, poolSize: 1 });
    open.push(db);
    const board = new Board(db);
    const { id } = await board.createArticle({ title: 't', body: 'b', authorName: 'A', authorEmail: 'a@x.org' });
    let stuckCallbacks = 0;
    // Like a broadcast to a channel layer whose server is down: it never settles.
    const stuckWrite = (body: string) =>
      board.atomic(async () => {
        await board.comments.create({ articleId: id, authorName: 'A', body });
        onCommit(() => {
          stuckCallbacks++;
          return new Promise<never>(() => {});
        });
      });
    const stuck = [stuckWrite('one'), stuckWrite('two')];
    await expect.poll(() => stuckCallbacks, { timeout: 20_000 }).toBe(2);
    // Reads, plain writes and whole blocks (with callbacks of their own) of other requests go on.
    expect((await board.comments.forArticle(id)).map((c) => c.body)).toEqual(['one', 'two']);
    const ran: string[] = [];
    await board.atomic(async () => {
      await board.comments.create({ articleId: id, authorName: 'B', body: 'three' });
      onCommit(() => ran.push('three committed'));
    });
    expect(ran).toEqual(['three committed']);
    expect(await board.articles.count()).toBe(1);
    expect(await db.run('UPDATE articles SET title = ? WHERE id = ?', ['t2', id])).toBe(1);
    // The stuck writes committed; only their own callers still wait for their callbacks.
    const settled = await Promise.race([Promise.allSettled(stuck).then(() => 'settled'), Promise.resolve('waiting')]);
    expect(settled).toBe('waiting');
  });
});

describe.runIf(postgresUrl)('PostgreSQL errors', () => {
  it('says which server it could not reach, within the connect timeout, instead of hanging', async () => {
    const closed = createServer().listen(0, '127.0.0.1');
    await new Promise((resolve) => closed.once('listening', resolve));
    const { port } = closed.address() as { port: number };
    await new Promise((resolve) => closed.close(resolve));
    const started = Date.now();
    const failure = await openDatabase({
      url: `postgres://board:s3cret@127.0.0.1:${port}/board`,
      file: 'unused',
    }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(DatabaseError);
    expect((failure as Error).message).toContain(
      `Could not reach PostgreSQL at postgres://board@127.0.0.1:${port}/board`,
    );
    expect((failure as Error).message).toContain('DATABASE_URL');
    expect((failure as Error).message).not.toContain('s3cret');
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('passes the server’s own error through for a database that does not exist', async () => {
    const url = new URL(postgresUrl!);
    url.pathname = '/no_such_database';
    await expect(openDatabase({ url: url.toString(), file: 'unused' })).rejects.toThrow(
      /database "no_such_database" does not exist/,
    );
  });

  it('fails a pending query with a clear error when the server goes away, and recovers when it is back', async () => {
    const scratch = await scratchPostgres(postgresUrl!);
    const db = (await openDatabase({ url: scratch.url, file: 'unused' })) as PostgresDatabase;
    try {
      await db.ping();
      // The server ends every connection of this database (as a restart or failover would).
      await db.run(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
      );
      await expect(db.get('SELECT pg_terminate_backend(pg_backend_pid())')).rejects.toThrow();
      // The pool drops the dead connection and the next query opens a new one.
      await expect(db.get<{ n: number }>('SELECT 1 AS n')).resolves.toEqual({ n: 1 });
      // A block whose connection dies mid-transaction fails, and its connection is not reused.
      const block = db.atomic(async () => {
        await db.run("INSERT INTO authors (name, email) VALUES ('lost', 'lost@example.com')");
        await db.get('SELECT pg_terminate_backend(pg_backend_pid())');
      });
      await expect(block).rejects.toThrow();
      const after = await Promise.all([1, 2, 3].map(() => db.get<{ n: number }>('SELECT 1 AS n')));
      expect(after).toEqual([{ n: 1 }, { n: 1 }, { n: 1 }]);
      expect(await db.all("SELECT id FROM authors WHERE email = 'lost@example.com'")).toEqual([]);
    } finally {
      await db.close();
      await scratch.drop();
    }
  });
});
