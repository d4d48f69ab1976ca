import {
  atomic,
  type SignalingRepository,
  sqlTransactionRunner,
  type TransactionRunner,
  withModelSignals,
} from '@adv/signals';
import type { Database } from 'better-sqlite3';
import type { Article, Comment, NewArticle, NewComment } from './db/repositories.js';
import { ArticleRepository, CommentRepository } from './db/repositories.js';

/** The model senders of one board (Django sends the model class): receivers filter on them. */
export interface BoardModels {
  readonly Article: { readonly model: 'Article' };
  readonly Comment: { readonly model: 'Comment' };
}

/**
 * The board's domain. Writes go through repositories wrapped by `@adv/signals`'
 * `withModelSignals`, inside `atomic` blocks: `postSave` receivers register `onCommit`
 * callbacks, which run only once the SQLite transaction has committed (never for a rollback).
 */
export class Board {
  readonly articles: SignalingRepository<ArticleRepository>;
  readonly comments: SignalingRepository<CommentRepository>;
  /** This board's senders: one object per model and per board, so two apps in one process stay apart. */
  readonly models: BoardModels = { Article: { model: 'Article' }, Comment: { model: 'Comment' } };
  /** The transaction runner of this database, for `atomic`. */
  readonly runner: TransactionRunner;

  constructor(readonly db: Database) {
    this.articles = withModelSignals(new ArticleRepository(db), { sender: this.models.Article });
    this.comments = withModelSignals(new CommentRepository(db), { sender: this.models.Comment });
    this.runner = sqlTransactionRunner((sql) => db.exec(sql));
  }

  /** Creates an article in a transaction (sends `postSave`; its `onCommit` work runs after COMMIT). */
  async createArticle(input: NewArticle): Promise<Article> {
    return atomic(() => this.articles.save(input), { runner: this.runner });
  }

  /** Adds a comment to an existing article in a transaction; `undefined` when the article does not exist. */
  async addComment(input: NewComment): Promise<{ comment: Comment; article: Article } | undefined> {
    return atomic(
      async () => {
        const article = this.articles.get(input.articleId);
        if (!article) return undefined;
        const comment = await this.comments.save(input);
        return { comment, article: this.articles.get(input.articleId)! };
      },
      { runner: this.runner },
    );
  }

  /** Seeds a few articles on an empty database so a first visit shows something (no signals: nothing is listening yet). */
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
