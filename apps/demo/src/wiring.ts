import { onCommit, postSave } from '@adv/signals';
import type { CacheLike, GroupSender, Logger, TagInvalidator } from '@adv/types';
import type { Board } from './board.js';
import type { Article, Comment } from './db/repositories.js';
import { type DemoTasks, thumbnailJobId } from './jobs/tasks.js';

/** Cache tags the pages are stored under. */
export const TAGS = {
  /** The cached article list pages (every language and time zone). */
  articleList: 'article-list',
  /** The popular-articles sidebar fragments. */
  popular: 'popular',
} as const;

/** The WebSocket group of an article's open pages. */
export const articleGroup = (articleId: number) => `article-${articleId}`;

export interface WiringDeps {
  board: Board;
  cache: CacheLike & TagInvalidator;
  tasks: DemoTasks;
  groups: GroupSender;
  logger: Logger;
  /**
   * Milliseconds each `onCommit` callback may take (DEPENDENCY_TIMEOUT_MS): past it the callback
   * is logged and skipped, so a write whose queue or channel layer is down still answers.
   */
  timeoutMs: number;
}

/**
 * Connects the receivers that tie the packages together (Django: a `signals.py` imported from
 * `AppConfig.ready`). The comment notification is enqueued in the comment's transaction (see
 * `enqueueInBlock`); everything else is an `onCommit` callback, so nothing is invalidated or
 * broadcast for a write that rolls back. The callbacks run after the
 * database block ended (they hold no lock or connection) and each is bounded by `timeoutMs`
 * and robust: with Redis down the comment is saved, the failure logged, the request answered.
 * Returns a disconnect function.
 */
export function connectReceivers({ board, cache, tasks, groups, logger, timeoutMs }: WiringDeps): () => void {
  const robust = { robust: true, logger, timeout: timeoutMs };

  const onArticleSaved = async ({ result, created }: { result?: unknown; created: boolean }) => {
    onCommit(() => cache.invalidateTags([TAGS.articleList, TAGS.popular]), robust);
    const article = result as Article;
    if (!created || !article.image) return;
    // The thumbnail job is part of the article's transaction where the backend can, as a
    // comment's e-mail is: an article with an image always gets its thumbnail made.
    const options = { jobId: thumbnailJobId(article.id) };
    if (tasks.enqueueInBlock) await tasks.enqueueInBlock(tasks.thumbnail, { articleId: article.id }, options);
    else onCommit(() => tasks.thumbnail.enqueue({ articleId: article.id }, options), robust);
  };

  const onCommentSaved = async ({ result, created }: { result?: unknown; created: boolean }) => {
    const comment = result as Comment;
    onCommit(() => cache.invalidateTags([TAGS.articleList, TAGS.popular]), robust);
    if (!created) return;
    const notification = { commentId: comment.id, articleId: comment.articleId };
    // In the comment's own transaction where the backend can (SQLite, PostgreSQL, the BullMQ
    // outbox): the e-mail's job exists exactly when the comment does. A failure here rolls the
    // comment back. The memory backend has no transaction to join: it enqueues after COMMIT.
    if (tasks.enqueueInBlock) await tasks.enqueueInBlock(tasks.notifyComment, notification);
    else onCommit(() => tasks.notifyComment.enqueue(notification), robust);
    onCommit(() => groups.groupSend(articleGroup(comment.articleId), { type: 'comment', comment }), robust);
  };

  const disconnects = [
    postSave.connect(onArticleSaved, { sender: board.models.Article }),
    postSave.connect(onCommentSaved, { sender: board.models.Comment }),
  ];
  return () => {
    for (const disconnect of disconnects) disconnect();
  };
}
