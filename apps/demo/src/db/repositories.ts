import type { Database, Statement } from 'better-sqlite3';

/** An article as pages show it. */
export interface Article {
  id: number;
  title: string;
  body: string;
  authorName: string;
  authorEmail: string;
  createdAt: string;
  commentCount: number;
}

/** A comment on an article. */
export interface Comment {
  id: number;
  articleId: number;
  authorName: string;
  body: string;
  createdAt: string;
}

/** Fields of a new article. */
export interface NewArticle {
  title: string;
  body: string;
  authorName: string;
  authorEmail: string;
}

/** An article to save: without `id` it is inserted, with one its title and body are updated. */
export interface ArticleDraft extends NewArticle {
  id?: number;
  createdAt?: string;
}

/** A comment to save: without `id` it is inserted. */
export interface CommentDraft extends NewComment {
  id?: number;
  createdAt?: string;
}

/** Fields of a new comment. */
export interface NewComment {
  articleId: number;
  authorName: string;
  body: string;
}

const ARTICLE_COLUMNS = `a.id, a.title, a.body, a.created_at AS createdAt, au.name AS authorName, au.email AS authorEmail,
  (SELECT COUNT(*) FROM comments c WHERE c.article_id = a.id) AS commentCount`;

/** Reads and writes articles and their authors. */
export class ArticleRepository {
  readonly #list: Statement;
  readonly #get: Statement;
  readonly #popular: Statement;
  readonly #upsertAuthor: Statement;
  readonly #insert: Statement;
  readonly #count: Statement;

  constructor(readonly db: Database) {
    this.#list = db.prepare(
      `SELECT ${ARTICLE_COLUMNS} FROM articles a JOIN authors au ON au.id = a.author_id ORDER BY a.created_at DESC, a.id DESC LIMIT ?`,
    );
    this.#get = db.prepare(
      `SELECT ${ARTICLE_COLUMNS} FROM articles a JOIN authors au ON au.id = a.author_id WHERE a.id = ?`,
    );
    this.#popular = db.prepare(
      `SELECT ${ARTICLE_COLUMNS} FROM articles a JOIN authors au ON au.id = a.author_id
       ORDER BY commentCount DESC, a.created_at DESC, a.id DESC LIMIT ?`,
    );
    this.#upsertAuthor = db.prepare(
      'INSERT INTO authors (name, email) VALUES (?, ?) ON CONFLICT(email) DO UPDATE SET name = excluded.name RETURNING id',
    );
    this.#insert = db.prepare(
      'INSERT INTO articles (author_id, title, body, created_at) VALUES (?, ?, ?, ?) RETURNING id',
    );
    this.#count = db.prepare('SELECT COUNT(*) AS n FROM articles');
  }

  /** The newest articles first. */
  latest(limit = 50): Article[] {
    return this.#list.all(limit) as Article[];
  }

  /** The most commented articles. */
  popular(limit = 5): Article[] {
    return this.#popular.all(limit) as Article[];
  }

  /** One article, or `undefined`. */
  get(id: number): Article | undefined {
    return this.#get.get(id) as Article | undefined;
  }

  /** Number of articles. */
  count(): number {
    return (this.#count.get() as { n: number }).n;
  }

  /** Articles with an id above `id`, oldest first (the digest after its first run). */
  afterId(id: number): Article[] {
    return this.db
      .prepare(
        `SELECT ${ARTICLE_COLUMNS} FROM articles a JOIN authors au ON au.id = a.author_id WHERE a.id > ? ORDER BY a.id`,
      )
      .all(id) as Article[];
  }

  /** Articles created at or after `sinceIso`, oldest first (the digest). */
  since(sinceIso: string): Article[] {
    return this.db
      .prepare(
        `SELECT ${ARTICLE_COLUMNS} FROM articles a JOIN authors au ON au.id = a.author_id WHERE a.created_at >= ? ORDER BY a.created_at`,
      )
      .all(sinceIso) as Article[];
  }

  /** Inserts (no `id`) or updates an article; returns it as read back. The shape `withModelSignals` wraps. */
  save(draft: ArticleDraft): Article {
    if (draft.id === undefined) return this.create(draft, draft.createdAt ? new Date(draft.createdAt) : new Date());
    this.db.prepare('UPDATE articles SET title = ?, body = ? WHERE id = ?').run(draft.title, draft.body, draft.id);
    return this.get(draft.id)!;
  }

  /** Deletes an article and its comments. */
  delete(article: { id: number }): boolean {
    return this.db.prepare('DELETE FROM articles WHERE id = ?').run(article.id).changes > 0;
  }

  /** Inserts an article (and its author, by e-mail); returns it as read back. */
  create(input: NewArticle, now = new Date()): Article {
    const id = this.db.transaction(() => {
      const author = this.#upsertAuthor.get(input.authorName, input.authorEmail) as { id: number };
      return (this.#insert.get(author.id, input.title, input.body, now.toISOString()) as { id: number }).id;
    })();
    return this.get(id)!;
  }
}

/** Reads and writes comments. */
export class CommentRepository {
  readonly #forArticle: Statement;
  readonly #insert: Statement;
  readonly #get: Statement;

  constructor(readonly db: Database) {
    this.#forArticle = db.prepare(
      'SELECT id, article_id AS articleId, author_name AS authorName, body, created_at AS createdAt FROM comments WHERE article_id = ? ORDER BY created_at, id',
    );
    this.#get = db.prepare(
      'SELECT id, article_id AS articleId, author_name AS authorName, body, created_at AS createdAt FROM comments WHERE id = ?',
    );
    this.#insert = db.prepare(
      'INSERT INTO comments (article_id, author_name, body, created_at) VALUES (?, ?, ?, ?) RETURNING id',
    );
  }

  /** Comments of an article, oldest first. */
  forArticle(articleId: number): Comment[] {
    return this.#forArticle.all(articleId) as Comment[];
  }

  /** Inserts a comment (no `id`) or updates its body; returns it as read back. The shape `withModelSignals` wraps. */
  save(draft: CommentDraft): Comment {
    if (draft.id === undefined) return this.create(draft, draft.createdAt ? new Date(draft.createdAt) : new Date());
    this.db.prepare('UPDATE comments SET body = ? WHERE id = ?').run(draft.body, draft.id);
    return this.#get.get(draft.id) as Comment;
  }

  /** Deletes a comment. */
  delete(comment: { id: number }): boolean {
    return this.db.prepare('DELETE FROM comments WHERE id = ?').run(comment.id).changes > 0;
  }

  /** One comment, or `undefined`. */
  get(id: number): Comment | undefined {
    return this.#get.get(id) as Comment | undefined;
  }

  /** Inserts a comment; call inside a transaction to have signals wait for the commit. */
  create(input: NewComment, now = new Date()): Comment {
    const { id } = this.#insert.get(input.articleId, input.authorName, input.body, now.toISOString()) as { id: number };
    return this.#get.get(id) as Comment;
  }
}
