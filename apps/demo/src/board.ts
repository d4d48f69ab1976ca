import type { Database } from 'better-sqlite3';
import type { Article, Comment, NewArticle, NewComment } from './db/repositories.js';
import { ArticleRepository, CommentRepository } from './db/repositories.js';
import { GlueSignal } from './glue/signal.js';

/** What `articleSaved` receivers get. */
export interface ArticleSaved {
  article: Article;
  created: boolean;
}

/** What `commentSaved` receivers get. */
export interface CommentSaved {
  comment: Comment;
  article: Article;
  created: boolean;
}

/**
 * The board's domain: writes go through here so the model signals fire once the write has
 * committed (a receiver never sees a rolled-back row).
 */
export class Board {
  readonly articles: ArticleRepository;
  readonly comments: CommentRepository;
  /** Sent after an article is committed (Django's `post_save` for Article). */
  readonly articleSaved = new GlueSignal<ArticleSaved>();
  /** Sent after a comment is committed (Django's `post_save` for Comment). */
  readonly commentSaved = new GlueSignal<CommentSaved>();

  constructor(readonly db: Database) {
    this.articles = new ArticleRepository(db);
    this.comments = new CommentRepository(db);
  }

  /** Creates an article, then sends `articleSaved`. */
  async createArticle(input: NewArticle): Promise<Article> {
    const article = this.articles.create(input);
    await this.articleSaved.sendRobust({ article, created: true });
    return article;
  }

  /** Creates a comment in a transaction, then (after commit) sends `commentSaved`. */
  async addComment(input: NewComment): Promise<{ comment: Comment; article: Article } | undefined> {
    const saved = this.db.transaction(() => {
      const article = this.articles.get(input.articleId);
      if (!article) return undefined;
      return { comment: this.comments.create(input), article };
    })();
    if (!saved) return undefined;
    const article = this.articles.get(input.articleId)!;
    await this.commentSaved.sendRobust({ comment: saved.comment, article, created: true });
    return { comment: saved.comment, article };
  }

  /** Seeds a few articles on an empty database so a first visit shows something. */
  seed(): void {
    if (this.articles.count() > 0) return;
    const base = Date.now() - 3 * 3600_000;
    const first = this.articles.create(
      {
        title: 'Welcome to the adv board',
        body: 'Post an article, comment on it, and watch comments arrive live in every open tab.',
        authorName: 'Ada',
        authorEmail: 'ada@example.com',
      },
      new Date(base),
    );
    this.articles.create(
      {
        title: 'Caching pages without stale data',
        body: 'The article list is a cached page; saving an article invalidates it through a signal.',
        authorName: 'Grace',
        authorEmail: 'grace@example.com',
      },
      new Date(base + 3600_000),
    );
    this.comments.create(
      { articleId: first.id, authorName: 'Linus', body: 'Nice to be here!' },
      new Date(base + 600_000),
    );
  }
}
