import { onCommit, postSave } from '@adv/signals';
import type { CacheLike, GroupSender, Logger, TagInvalidator } from '@adv/types';
import type { Board } from './board.js';
import type { Comment } from './db/repositories.js';
import type { DemoTasks } from './jobs/tasks.js';

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
}

/**
 * Connects the receivers that tie the packages together (Django: a `signals.py` imported from
 * `AppConfig.ready`). Each receiver only registers `onCommit` callbacks, so nothing is
 * invalidated, queued or broadcast for a write that rolls back. Returns a disconnect function.
 */
export function connectReceivers({ board, cache, tasks, groups, logger }: WiringDeps): () => void {
  const robust = { robust: true, logger };

  const onArticleSaved = () => {
    onCommit(() => cache.invalidateTags([TAGS.articleList, TAGS.popular]), robust);
  };

  const onCommentSaved = ({ result, created }: { result?: unknown; created: boolean }) => {
    const comment = result as Comment;
    onCommit(() => cache.invalidateTags([TAGS.articleList, TAGS.popular]), robust);
    if (!created) return;
    onCommit(() => tasks.notifyComment.enqueue({ commentId: comment.id, articleId: comment.articleId }), robust);
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
