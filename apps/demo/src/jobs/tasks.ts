import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CacheLike, GroupSender, Logger } from '@adv/types';
import type { Board } from '../board.js';
import { glueTask } from '../glue/tasks.js';
import { type Locale, t, withLocale } from '../i18n.js';
import { csvLine } from './csv.js';
import type { Mailer } from './mail.js';

/** Where an export stands; kept in the cache so a late subscriber gets it at once. */
export interface ExportStatus {
  state: 'running' | 'done' | 'failed';
  percent: number;
  url?: string;
}

/** Payload of the CSV export task. */
export interface ExportPayload {
  articleId: number;
  exportId: string;
  locale: Locale;
  timeZone: string;
}

/** Dependencies of the demo's tasks. */
export interface TaskDeps {
  board: Board;
  mailer: Mailer;
  cache: CacheLike;
  groups: GroupSender;
  logger: Logger;
  exportDir: string;
  chunkDelayMs: number;
  baseUrl: () => string;
}

export const exportGroup = (exportId: string) => `export-${exportId}`;
export const exportStatusKey = (exportId: string) => `export-status:${exportId}`;

/** Creates the demo's tasks: comment notification, digest, CSV export. */
export function createTasks(deps: TaskDeps) {
  const { board, mailer, cache, groups, logger } = deps;

  const notifyComment = glueTask<{ commentId: number; articleId: number }>(
    'notify-comment',
    async ({ commentId, articleId }) => {
      const article = board.articles.get(articleId);
      const comment = board.comments.forArticle(articleId).find((c) => c.id === commentId);
      if (!article || !comment) return;
      await mailer.send({
        to: article.authorEmail,
        subject: t('mail.commentSubject', { title: article.title }, 'en'),
        text: t(
          'mail.commentBody',
          {
            author: comment.authorName,
            title: article.title,
            body: comment.body,
            url: `${deps.baseUrl()}/articles/${article.id}`,
          },
          'en',
        ),
      });
    },
    logger,
  );

  let lastDigest = new Date().toISOString();
  const digest = glueTask<{ to: string }>(
    'digest',
    async ({ to }) => {
      const since = lastDigest;
      lastDigest = new Date().toISOString();
      const articles = board.articles.since(since);
      await mailer.send({
        to,
        subject: t('mail.digestSubject', { count: articles.length }, 'en'),
        text: articles.map((a) => `- ${a.title} (${deps.baseUrl()}/articles/${a.id})`).join('\n') || '-',
      });
    },
    logger,
  );

  const exportCsv = glueTask<ExportPayload>(
    'export-csv',
    async ({ articleId, exportId, locale, timeZone }) => {
      const report = async (status: ExportStatus) => {
        await cache.set(exportStatusKey(exportId), status, { ttl: 3600 });
        await groups.groupSend(exportGroup(exportId), { type: 'export', exportId, ...status });
      };
      try {
        mkdirSync(deps.exportDir, { recursive: true });
        const comments = board.comments.forArticle(articleId);
        const partial = join(deps.exportDir, `${exportId}.csv.part`);
        writeFileSync(partial, `\ufeff${withLocale({ locale, timeZone }, () => t('csv.header'))}\r\n`);
        const chunk = Math.max(1, Math.ceil(comments.length / 10));
        await report({ state: 'running', percent: 0 });
        for (let i = 0; i < comments.length; i += chunk) {
          const lines = comments
            .slice(i, i + chunk)
            .map((c) => csvLine([c.id, c.authorName, c.createdAt, c.body]))
            .join('');
          await appendFile(partial, lines);
          if (deps.chunkDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, deps.chunkDelayMs));
          await report({
            state: 'running',
            percent: Math.round((Math.min(i + chunk, comments.length) / comments.length) * 100),
          });
        }
        renameSync(partial, join(deps.exportDir, `${exportId}.csv`));
        await report({ state: 'done', percent: 100, url: `/exports/${exportId}.csv` });
      } catch (error) {
        await report({ state: 'failed', percent: 0 });
        throw error;
      }
    },
    logger,
  );

  return { notifyComment, digest, exportCsv };
}

export type DemoTasks = ReturnType<typeof createTasks>;
