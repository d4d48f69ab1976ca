import type { SqlDatabase } from './sql.js';

/** An article as pages show it. */
export interface Article {
  id: number;
  title: string;
  body: string;
  authorName: string;
  authorEmail: string;
  createdAt: string;
  commentCount: number;
  /** Storage name of the uploaded image, or `null`. */
  image: string | null;
  /** Storage name of its thumbnail once the thumbnail task made it, else `null`. */
  thumbnail: string | null;
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
  /** Storage name of an uploaded image (from `handleUpload`). */
  image?: string | null | undefined;
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

// Quoted aliases keep their case on PostgreSQL (which folds unquoted names to lower case);
// the CAST makes COUNT a number there too (it is a bigint, which node-postgres returns as text).
const ARTICLE_COLUMNS = `a.id, a.title, a.body, a.created_at AS "createdAt", au.name AS "authorName", au.email AS "authorEmail",
  a.image, a.thumbnail, (SELECT CAST(COUNT(*) AS INTEGER) FROM comments c WHERE c.article_id = a.id) AS "commentCount"`;
const ARTICLES = `SELECT ${ARTICLE_COLUMNS} FROM articles a JOIN authors au ON au.id = a.author_id`;
const COMMENTS =
  'SELECT id, article_id AS "articleId", author_name AS "authorName", body, created_at AS "createdAt" FROM comments';

/** The ids tables hand out: 32-bit positive integers (PostgreSQL's INTEGER; SQLite's are wider). */
const MAX_ROW_ID = 2_147_483_647;
const isRowId = (id: number) => Number.isInteger(id) && id >= 1 && id <= MAX_ROW_ID;

/** Reads and writes articles and their authors. */
export class ArticleRepository {
  constructor(readonly db: SqlDatabase) {}

  /** The newest articles first. */
  latest(limit = 50): Promise<Article[]> {
    return this.db.all(`${ARTICLES} ORDER BY a.created_at DESC, a.id DESC LIMIT ?`, [limit]);
  }

  /** The most commented articles. */
  popular(limit = 5): Promise<Article[]> {
    return this.db.all(`${ARTICLES} ORDER BY "commentCount" DESC, a.created_at DESC, a.id DESC LIMIT ?`, [limit]);
  }

  /** One article, or `undefined` (also for an id no row can have: PostgreSQL would reject it). */
  async get(id: number): Promise<Article | undefined> {
    if (!isRowId(id)) return undefined;
    return this.db.get(`${ARTICLES} WHERE a.id = ?`, [id]);
  }

  /** Number of articles. */
  async count(): Promise<number> {
    return (await this.db.get<{ n: number }>('SELECT CAST(COUNT(*) AS INTEGER) AS n FROM articles'))!.n;
  }

  /** Articles with an id above `id`, oldest first (the digest after its first run). */
  afterId(id: number): Promise<Article[]> {
    return this.db.all(`${ARTICLES} WHERE a.id > ? ORDER BY a.id`, [id]);
  }

  /** Articles created at or after `sinceIso`, oldest first (the digest). */
  since(sinceIso: string): Promise<Article[]> {
    return this.db.all(`${ARTICLES} WHERE a.created_at >= ? ORDER BY a.created_at`, [sinceIso]);
  }

  /** Inserts (no `id`) or updates an article; returns it as read back. The shape `withModelSignals` wraps. */
  async save(draft: ArticleDraft): Promise<Article> {
    if (draft.id === undefined) return this.create(draft, draft.createdAt ? new Date(draft.createdAt) : new Date());
    await this.db.run('UPDATE articles SET title = ?, body = ? WHERE id = ?', [draft.title, draft.body, draft.id]);
    return (await this.get(draft.id))!;
  }

  /**
   * Records the thumbnail of an article's image, if the image is still `image` (an edit may have
   * replaced it meanwhile); returns whether it did. No signal: only the article page shows it.
   */
  async setThumbnail(id: number, image: string, thumbnail: string): Promise<boolean> {
    return (
      (await this.db.run('UPDATE articles SET thumbnail = ? WHERE id = ? AND image = ?', [thumbnail, id, image])) > 0
    );
  }

  /** Deletes an article and its comments. */
  async delete(article: { id: number }): Promise<boolean> {
    return (await this.db.run('DELETE FROM articles WHERE id = ?', [article.id])) > 0;
  }

  /** Inserts an article (and its author, by e-mail); returns it as read back. */
  async create(input: NewArticle, now = new Date()): Promise<Article> {
    const id = await this.db.atomic(async () => {
      const author = await this.db.get<{ id: number }>(
        'INSERT INTO authors (name, email) VALUES (?, ?) ON CONFLICT(email) DO UPDATE SET name = excluded.name RETURNING id',
        [input.authorName, input.authorEmail],
      );
      const article = await this.db.get<{ id: number }>(
        'INSERT INTO articles (author_id, title, body, created_at, image) VALUES (?, ?, ?, ?, ?) RETURNING id',
        [author!.id, input.title, input.body, now.toISOString(), input.image ?? null],
      );
      return article!.id;
    });
    return (await this.get(id))!;
  }
}

/** Reads and writes comments. */
export class CommentRepository {
  constructor(readonly db: SqlDatabase) {}

  /** Comments of an article, oldest first. */
  async forArticle(articleId: number): Promise<Comment[]> {
    if (!isRowId(articleId)) return [];
    return this.db.all(`${COMMENTS} WHERE article_id = ? ORDER BY created_at, id`, [articleId]);
  }

  /** Inserts a comment (no `id`) or updates its body; returns it as read back. The shape `withModelSignals` wraps. */
  async save(draft: CommentDraft): Promise<Comment> {
    if (draft.id === undefined) return this.create(draft, draft.createdAt ? new Date(draft.createdAt) : new Date());
    await this.db.run('UPDATE comments SET body = ? WHERE id = ?', [draft.body, draft.id]);
    return (await this.get(draft.id))!;
  }

  /** Deletes a comment. */
  async delete(comment: { id: number }): Promise<boolean> {
    return (await this.db.run('DELETE FROM comments WHERE id = ?', [comment.id])) > 0;
  }

  /** One comment, or `undefined`. */
  async get(id: number): Promise<Comment | undefined> {
    if (!isRowId(id)) return undefined;
    return this.db.get(`${COMMENTS} WHERE id = ?`, [id]);
  }

  /** Inserts a comment; call inside a transaction to have signals wait for the commit. */
  async create(input: NewComment, now = new Date()): Promise<Comment> {
    const row = await this.db.get<{ id: number }>(
      'INSERT INTO comments (article_id, author_name, body, created_at) VALUES (?, ?, ?, ?) RETURNING id',
      [input.articleId, input.authorName, input.body, now.toISOString()],
    );
    return (await this.get(row!.id))!;
  }
}
