import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  atomic,
  type DeleteArgs,
  inAtomicBlock,
  type M2mChangedArgs,
  m2mChanged,
  onCommit,
  type PostSaveArgs,
  type PreSaveArgs,
  postDelete,
  postSave,
  preDelete,
  preSave,
  signal,
  sqlTransactionRunner,
  type TransactionRunner,
  withM2mSignals,
  withModelSignals,
} from '../src/index.js';

// A real SQLite database on disk, and a second connection to it that only sees committed data.

class Article {
  id?: number;
  constructor(
    public title: string,
    public slug?: string,
  ) {}
}

/** A tiny hand-written repository: the package only needs save and delete. */
class ArticleRepository {
  readonly #db: Database.Database;
  constructor(db: Database.Database) {
    this.#db = db;
  }
  save(article: Article): number {
    if (article.id === undefined) {
      const info = this.#db.prepare('INSERT INTO article (title, slug) VALUES (?, ?)').run(article.title, article.slug);
      article.id = Number(info.lastInsertRowid);
    } else {
      this.#db
        .prepare('UPDATE article SET title = ?, slug = ? WHERE id = ?')
        .run(article.title, article.slug, article.id);
    }
    return article.id;
  }
  delete(article: Article): boolean {
    return this.#db.prepare('DELETE FROM article WHERE id = ?').run(article.id).changes === 1;
  }
  titles(): string[] {
    return (this.#db.prepare('SELECT title FROM article ORDER BY id').all() as { title: string }[]).map((r) => r.title);
  }
}

let directory: string;
let db: Database.Database;
let observer: Database.Database;
let runner: TransactionRunner;
const committedTitles = () =>
  (observer.prepare('SELECT title FROM article ORDER BY id').all() as { title: string }[]).map((r) => r.title);

beforeAll(() => {
  directory = mkdtempSync(join(tmpdir(), 'adv-signals-'));
  db = new Database(join(directory, 'app.db'));
  db.pragma('journal_mode = WAL');
  observer = new Database(join(directory, 'app.db'), { readonly: true });
  runner = sqlTransactionRunner((sql) => db.exec(sql));
});

beforeEach(() => {
  db.exec(
    'DROP TABLE IF EXISTS article; CREATE TABLE article (id INTEGER PRIMARY KEY, title TEXT NOT NULL, slug TEXT)',
  );
});

afterAll(() => {
  observer?.close();
  db?.close();
  rmSync(directory, { recursive: true, force: true });
});

describe('withModelSignals on a real SQLite repository', () => {
  const signals = {
    preSave: signal<PreSaveArgs>({ name: 'preSave' }),
    postSave: signal<PostSaveArgs>({ name: 'postSave' }),
    preDelete: signal<DeleteArgs>({ name: 'preDelete' }),
    postDelete: signal<DeleteArgs>({ name: 'postDelete' }),
  };
  const stops: (() => boolean)[] = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });

  it('save sends preSave then postSave with created; delete sends preDelete and postDelete', async () => {
    const repository = new ArticleRepository(db);
    const articles = withModelSignals(repository, { sender: Article, signals });
    const events: string[] = [];
    stops.push(
      signals.preSave.connect(({ instance, adding }) => {
        events.push(`preSave adding=${adding} rows=${repository.titles().length}`);
        (instance as Article).slug ??= (instance as Article).title.toLowerCase().replaceAll(' ', '-');
      }),
      signals.postSave.connect(
        async ({ sender, instance, created, result }) => {
          events.push(
            `postSave created=${created} id=${(instance as Article).id} result=${result} model=${sender === Article}`,
          );
        },
        { sender: Article },
      ),
      signals.preDelete.connect(() => events.push(`preDelete rows=${repository.titles().length}`)),
      signals.postDelete.connect(() => events.push(`postDelete rows=${repository.titles().length}`)),
    );

    const article = new Article('Hello World');
    await expect(articles.save(article)).resolves.toBe(1);
    article.title = 'Hello again';
    await articles.save(article);
    expect(db.prepare('SELECT slug FROM article').get()).toEqual({ slug: 'hello-world' });
    await expect(articles.delete(article)).resolves.toBe(true);
    expect(articles.titles()).toEqual([]); // other methods pass through, #private fields work
    expect(events).toEqual([
      'preSave adding=true rows=0',
      'postSave created=true id=1 result=1 model=true',
      'preSave adding=false rows=1',
      'postSave created=false id=1 result=1 model=true',
      'preDelete rows=1',
      'postDelete rows=0',
    ]);
  });

  it('a preSave receiver that throws prevents the write', async () => {
    const articles = withModelSignals(new ArticleRepository(db), { sender: Article, signals });
    stops.push(
      signals.preSave.connect(({ instance }) => {
        if (!(instance as Article).title.trim()) throw new Error('title required');
      }),
    );
    await expect(articles.save(new Article('  '))).rejects.toThrow('title required');
    expect(committedTitles()).toEqual([]);
  });

  it('defaults: the built-in signals, the repository as sender, isNew from instance.id', async () => {
    const repository = new ArticleRepository(db);
    const articles = withModelSignals(repository);
    const seen: string[] = [];
    const onPost = ({ sender, created }: PostSaveArgs) => {
      seen.push(`postSave ${created} ${sender === repository}`);
    };
    const onDelete = () => {
      seen.push('postDelete');
    };
    stops.push(
      preSave.connect(() => seen.push('preSave'), { sender: repository }),
      postSave.connect(onPost, { sender: repository }),
      preDelete.connect(() => seen.push('preDelete'), { sender: repository }),
      postDelete.connect(onDelete, { sender: repository }),
    );
    const article = new Article('a');
    await articles.save(article);
    await articles.save(article);
    await articles.delete(article);
    expect(seen).toEqual([
      'preSave',
      'postSave true true',
      'preSave',
      'postSave false true',
      'preDelete',
      'postDelete',
    ]);
  });
});

describe('atomic + onCommit against SQLite', () => {
  const saved = signal<PostSaveArgs>({ name: 'postSave' });
  const articlesOf = () =>
    withModelSignals(new ArticleRepository(db), { sender: Article, signals: { postSave: saved } });
  const invalidated: string[] = [];
  let stop: () => boolean;
  beforeEach(() => {
    invalidated.length = 0;
    // The classic receiver: invalidate a cache, but only for data that was committed.
    stop = saved.connect(({ instance }) =>
      onCommit(() => {
        // At commit time, another connection already sees the row.
        expect(committedTitles()).toContain((instance as Article).title);
        invalidated.push((instance as Article).title);
      }),
    );
  });
  afterEach(() => stop());

  it('runs the callback after COMMIT: the data is visible to another connection', async () => {
    const articles = articlesOf();
    await atomic(
      async () => {
        await articles.save(new Article('committed'));
        expect(committedTitles()).toEqual([]); // not yet committed
        expect(invalidated).toEqual([]);
      },
      { runner },
    );
    expect(invalidated).toEqual(['committed']);
    expect(committedTitles()).toEqual(['committed']);
  });

  it('drops the callback on ROLLBACK, and the row is gone', async () => {
    const articles = articlesOf();
    await expect(
      atomic(
        async () => {
          await articles.save(new Article('rolled back'));
          expect(articles.titles()).toEqual(['rolled back']); // visible inside the transaction
          throw new Error('payment declined');
        },
        { runner },
      ),
    ).rejects.toThrow('payment declined');
    expect(invalidated).toEqual([]);
    expect(articles.titles()).toEqual([]);
    expect(committedTitles()).toEqual([]);
  });

  it('a postSave receiver that throws rolls the write back', async () => {
    const articles = articlesOf();
    const failing = () => {
      throw new Error('receiver failed');
    };
    saved.connect(failing);
    try {
      await expect(atomic(() => articles.save(new Article('half done')), { runner })).rejects.toThrow(
        'receiver failed',
      );
    } finally {
      saved.disconnect(failing);
    }
    expect(committedTitles()).toEqual([]);
    expect(invalidated).toEqual([]);
  });

  it('nested atomic is a SAVEPOINT: a failed inner block undoes its rows and drops its callbacks only', async () => {
    const articles = articlesOf();
    await atomic(
      async () => {
        await articles.save(new Article('outer'));
        await atomic(() => articles.save(new Article('inner kept')));
        await expect(
          atomic(async () => {
            await articles.save(new Article('inner undone'));
            throw new Error('inner failure');
          }),
        ).rejects.toThrow('inner failure');
        expect(articles.titles()).toEqual(['outer', 'inner kept']);
      },
      { runner },
    );
    expect(committedTitles()).toEqual(['outer', 'inner kept']);
    expect(invalidated).toEqual(['outer', 'inner kept']);
  });

  it('serializes concurrent blocks on one connection instead of nesting BEGINs', async () => {
    const articles = articlesOf();
    const results = await Promise.allSettled(
      ['a', 'b', 'c', 'd'].map((title, index) =>
        atomic(
          async () => {
            await articles.save(new Article(title));
            await new Promise((resolve) => setImmediate(resolve));
            if (index === 2) throw new Error('c fails');
          },
          { runner },
        ),
      ),
    );
    expect(results.map((result) => result.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled']);
    expect(committedTitles()).toEqual(['a', 'b', 'd']);
    expect(invalidated).toEqual(['a', 'b', 'd']);
  });

  it('an onCommit callback can open a new transaction on the same connection', async () => {
    const articles = articlesOf();
    await atomic(
      async () => {
        await articles.save(new Article('first'));
        onCommit(() => atomic(() => articles.save(new Article('written by a callback')), { runner }));
      },
      { runner },
    );
    expect(committedTitles()).toEqual(['first', 'written by a callback']);
    expect(invalidated).toEqual(['first', 'written by a callback']);
  });

  it('a failed COMMIT rolls back and drops the callbacks', async () => {
    const articles = articlesOf();
    const failingCommit: TransactionRunner = {
      ...runner,
      commit: () => {
        throw new Error('disk full');
      },
    };
    await expect(atomic(() => articles.save(new Article('lost')), { runner: failingCommit })).rejects.toThrow(
      'disk full',
    );
    expect(db.inTransaction).toBe(false);
    expect(committedTitles()).toEqual([]);
    expect(invalidated).toEqual([]);
  });

  it('with `runner`, a save outside any block waits for the open transaction instead of joining it', async () => {
    const plain = articlesOf();
    const guarded = withModelSignals(new ArticleRepository(db), {
      sender: Article,
      signals: { postSave: saved },
      runner,
    });
    // Request A holds a transaction open on the connection, then rolls back.
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    let written!: () => void;
    const aWrote = new Promise<void>((resolve) => {
      written = resolve;
    });
    const requestA = atomic(
      async () => {
        await plain.save(new Article('A'));
        written();
        await gate;
        throw new Error('A fails');
      },
      { runner },
    );
    await aWrote;
    // Request B saves with no atomic block of its own, while A's transaction is open.
    const requestB = guarded.save(new Article('B'));
    release();
    await expect(requestA).rejects.toThrow('A fails');
    await requestB;
    expect(committedTitles()).toEqual(['B']);
    expect(invalidated).toEqual(['B']); // B's onCommit ran after B's own COMMIT (the receiver checks)
  });

  it('with `runner`, a save inside a block on that runner joins it (no extra transaction)', async () => {
    const guarded = withModelSignals(new ArticleRepository(db), {
      sender: Article,
      signals: { postSave: saved },
      runner,
    });
    await expect(
      atomic(
        async () => {
          await guarded.save(new Article('joined'));
          throw new Error('outer fails');
        },
        { runner },
      ),
    ).rejects.toThrow('outer fails');
    expect(committedTitles()).toEqual([]);
    expect(invalidated).toEqual([]);
    await guarded.save(new Article('alone'));
    expect(committedTitles()).toEqual(['alone']);
    expect(invalidated).toEqual(['alone']);
    expect(() => withModelSignals(new ArticleRepository(db), { runner: {} as never })).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });

  it('sqlTransactionRunner rejects savepoint names that are not SQL identifiers', () => {
    expect(() => runner.savepoint('x; DROP TABLE article')).toThrowError(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
    expect(() => sqlTransactionRunner('BEGIN' as never)).toThrowError(
      'Expected `execute` to be a function, got `BEGIN` (string)',
    );
  });
});

describe('withM2mSignals on a real SQLite relation', () => {
  class Tag {}
  class ArticleTag {}
  /** article_tag rows for one article. */
  class ArticleTags {
    constructor(readonly db: Database.Database) {}
    add(article: Article, tagIds: readonly number[]): void {
      const insert = this.db.prepare('INSERT OR IGNORE INTO article_tag (article_id, tag_id) VALUES (?, ?)');
      for (const tagId of tagIds) insert.run(article.id, tagId);
    }
    remove(article: Article, tagIds: readonly number[]): void {
      const remove = this.db.prepare('DELETE FROM article_tag WHERE article_id = ? AND tag_id = ?');
      for (const tagId of tagIds) remove.run(article.id, tagId);
    }
    clear(article: Article): void {
      this.db.prepare('DELETE FROM article_tag WHERE article_id = ?').run(article.id);
    }
    of(article: Article): number[] {
      const rows = this.db
        .prepare('SELECT tag_id FROM article_tag WHERE article_id = ? ORDER BY tag_id')
        .all(article.id);
      return (rows as { tag_id: number }[]).map((row) => row.tag_id);
    }
  }

  beforeEach(() => {
    db.exec(
      'DROP TABLE IF EXISTS article_tag; CREATE TABLE article_tag (article_id INTEGER, tag_id INTEGER, PRIMARY KEY (article_id, tag_id))',
    );
  });

  it('add, remove and clear send pre and post m2mChanged around the write', async () => {
    const changed = signal<M2mChangedArgs>({ name: 'm2mChanged' });
    const relation = new ArticleTags(db);
    const tags = withM2mSignals(relation, { sender: ArticleTag, model: Tag, signal: changed });
    const article = Object.assign(new Article('tagged'), { id: 1 });
    const seen: string[] = [];
    changed.connect(
      ({ action, instance, pkSet, model, reverse }) => {
        const keys = pkSet === undefined ? '-' : [...pkSet].join(',');
        seen.push(`${action} [${keys}] rows=${relation.of(instance as Article).join(',')} ${model === Tag} ${reverse}`);
      },
      { sender: ArticleTag },
    );
    await tags.add(article, [1, 2, 3]);
    await tags.remove(article, [2]);
    expect(tags.of(article)).toEqual([1, 3]); // other methods pass through
    await tags.clear(article);
    expect(seen).toEqual([
      'preAdd [1,2,3] rows= true false',
      'postAdd [1,2,3] rows=1,2,3 true false',
      'preRemove [2] rows=1,2,3 true false',
      'postRemove [2] rows=1,3 true false',
      'preClear [-] rows=1,3 true false',
      'postClear [-] rows= true false',
    ]);
  });

  it('with the built-in m2mChanged, an onCommit from a receiver waits for the transaction', async () => {
    const tags = withM2mSignals(new ArticleTags(db));
    const article = Object.assign(new Article('tagged'), { id: 7 });
    const invalidated: string[] = [];
    const stop = m2mChanged.connect(({ action }) => {
      if (action === 'postAdd') onCommit(() => invalidated.push('article:7'));
    });
    try {
      await expect(
        atomic(
          async () => {
            await tags.add(article, [1]);
            throw new Error('rolled back');
          },
          { runner },
        ),
      ).rejects.toThrow('rolled back');
      expect(invalidated).toEqual([]);
      await atomic(() => tags.add(article, [1]), { runner });
      expect(invalidated).toEqual(['article:7']);
    } finally {
      stop();
    }
  });

  it('with `runner`, a change outside any block runs in its own transaction; a failing post receiver undoes it', async () => {
    const changed = signal<M2mChangedArgs>({ name: 'm2mChanged' });
    const relation = new ArticleTags(db);
    const tags = withM2mSignals(relation, { signal: changed, runner });
    const article = Object.assign(new Article('tagged'), { id: 3 });
    const committedTags = () => (observer.prepare('SELECT tag_id FROM article_tag').all() as unknown[]).length;
    const seen: string[] = [];
    changed.connect(({ action }) => {
      seen.push(`${action} inBlock=${inAtomicBlock()}`);
      onCommit(() => seen.push(`${action} committed rows=${committedTags()}`));
      if (action === 'postRemove') throw new Error('receiver failed');
    });
    await tags.add(article, [1, 2]);
    await expect(tags.remove(article, [1])).rejects.toThrow('receiver failed');
    expect(relation.of(article)).toEqual([1, 2]); // the remove was rolled back with its transaction
    expect(seen).toEqual([
      'preAdd inBlock=true',
      'postAdd inBlock=true',
      'preAdd committed rows=2',
      'postAdd committed rows=2',
      'preRemove inBlock=true',
      'postRemove inBlock=true',
    ]);
    expect(() => withM2mSignals(relation, { runner: { begin() {} } as never })).toThrowError(
      /Expected `runner` to be a TransactionRunner/,
    );
  });

  it('rejects a relation without add/remove/clear and keys that are not a list', async () => {
    expect(() => withM2mSignals({ add() {}, remove() {} } as never)).toThrowError(
      'Expected `relation` to have a `clear` method, got `[object Object]` (object)',
    );
    const tags = withM2mSignals(new ArticleTags(db));
    await expect(tags.add(new Article('x'), 5 as never)).rejects.toThrowError(
      'Expected `keys` to be an array of keys, got `5` (number)',
    );
  });
});
