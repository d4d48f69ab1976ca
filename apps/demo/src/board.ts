import { type SignalingRepository, withModelSignals } from '@adv/signals';
import type { Article, Comment, NewArticle, NewComment } from './db/repositories.js';
import { ArticleRepository, CommentRepository } from './db/repositories.js';
import type { SqlDatabase } from './db/sql.js';

/** The model senders of one board (Django sends the model class): receivers filter on them. */
export interface BoardModels {
  readonly Article: { readonly model: 'Article' };
  readonly Comment: { readonly model: 'Comment' };
}

/**
 * The board's domain. Writes go through repositories wrapped by `@adv/signals`'
 * `withModelSignals`, inside `atomic` blocks: `postSave` receivers register `onCommit`
 * callbacks, which run only once the transaction has committed (never for a rollback), on
 * SQLite and PostgreSQL alike.
 */
export class Board {
  readonly articles: SignalingRepository<ArticleRepository>;
  readonly comments: SignalingRepository<CommentRepository>;
  /** This board's senders: one object per model and per board, so two apps in one process stay apart. */
  readonly models: BoardModels = { Article: { model: 'Article' }, Comment: { model: 'Comment' } };

  constructor(readonly db: SqlDatabase) {
    this.articles = withModelSignals(new ArticleRepository(db), { sender: this.models.Article });
    this.comments = withModelSignals(new CommentRepository(db), { sender: this.models.Comment });
  }

  /** Runs `fn` in one transaction of the board's database (`atomic` of `@adv/signals` on its connection). */
  atomic<T>(fn: () => T | Promise<T>): Promise<T> {
    return this.db.atomic(fn);
  }

  /** Creates an article in a transaction (sends `postSave`; its `onCommit` work runs after COMMIT). */
  async createArticle(input: NewArticle): Promise<Article> {
    return this.atomic(() => this.articles.save(input));
  }

  /** Adds a comment to an existing article in a transaction; `undefined` when the article does not exist. */
  async addComment(input: NewComment): Promise<{ comment: Comment; article: Article } | undefined> {
    return this.atomic(async () => {
      const article = await this.articles.get(input.articleId);
      if (!article) return undefined;
      const comment = await this.comments.save(input);
      return { comment, article: (await this.articles.get(input.articleId))! };
    });
  }

  /** Seeds a few articles on an empty database so a first visit shows something (no signals: nothing is listening yet). */
  async seed(): Promise<void> {
    // Under the migrations' lock: processes starting together on one server seed once.
    await this.db.atomic(
      async () => {
        if ((await this.articles.count()) > 0) return;
        await this.#seedArticles();
      },
      { lock: 'migrations' },
    );
  }

  async #seedArticles(): Promise<void> {
    const base = Date.now() - 3 * 3600_000;
    const first = await this.articles.create(
      {
        title: 'Welcome to the adv board',
        body: 'Post an article, comment on it, and watch comments arrive live in every open tab.',
        authorName: 'Ada',
        authorEmail: 'ada@example.com',
      },
      new Date(base),
    );
    await this.articles.create(
      {
        title: 'Caching pages without stale data',
        body: 'The article list is a cached page; saving an article invalidates it through a signal.',
        authorName: 'Grace',
        authorEmail: 'grace@example.com',
      },
      new Date(base + 3600_000),
    );
    await this.comments.create(
      { articleId: first.id, authorName: 'Linus', body: 'Nice to be here!' },
      new Date(base + 600_000),
    );
  }
}
