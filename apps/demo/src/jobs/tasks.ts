import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Storage } from '@adv/deploy/media';
import { createTaskApp, type EnqueueOptions, type Task, type TaskApp } from '@adv/tasks';
import type { CacheLike, GroupSender, Logger } from '@adv/types';
import type { Board } from '../board.js';
import { backupDatabase } from '../db/backup.js';
import type { DatabaseLocation } from '../db/database.js';
import { type Locale, t, withLocale } from '../i18n.js';
import { backendFor, type ChosenBackend } from './backend.js';
import { csvLine } from './csv.js';
import type { Mailer } from './mail.js';
import { makeThumbnail, ThumbnailError } from './thumbnail.js';

export type { TaskStore } from './backend.js';

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
  /** `pruneExpired` (a `@adv/cache` cache) frees expired memory entries; without it `prune-cache` finds nothing. */
  cache: CacheLike & { pruneExpired?(): number };
  groups: GroupSender;
  logger: Logger;
  exportDir: string;
  /** Where the file mailer writes `.eml` files (pruned by `prune-outbox`). */
  outboxDir: string;
  chunkDelayMs: number;
  baseUrl: () => string;
  /** Redis URL: BullMQ instead of the database's backend. */
  redisUrl: string | undefined;
  /** The board's database: its tasks live there too (PostgreSQL, else the SQLite file), unless Redis is set. */
  database: DatabaseLocation;
  /** When digests go out, and to whom. */
  digest: { cron: string; timeZone: string; to: string };
  /** Backups of the SQLite file: when, where, how many to keep; `undefined` when the database is a server's (no backup task). */
  backup: { cron: string; keep: number; dir: string } | undefined;
  /** Retention of maintenance: export files, outbox e-mails, finished job records. */
  maintenance: { exportKeepHours: number; outboxKeepDays: number; taskResultsKeep: number };
  /**
   * Uploaded images: the storage the thumbnails go to, the pixel limit of an image the thumbnail
   * task decodes, and the disk directory backups copy (`undefined` when the files are in S3).
   */
  media: { storage: Storage; maxPixels: number; backupRoot: string | undefined };
}

export const exportGroup = (exportId: string) => `export-${exportId}`;
export const exportStatusKey = (exportId: string) => `export-status:${exportId}`;
/** The job id of an article's thumbnail (one per article: enqueuing it twice returns the same job). */
export const thumbnailJobId = (articleId: number) => `thumbnail-${articleId}`;
const LAST_DIGEST_KEY = 'digest:last-article-id';

/** Removes the files in `dir` (those `accept` takes) last modified more than `hours` ago; returns how many. */
function removeOlderThan(dir: string, hours: number, accept: (name: string) => boolean = () => true): number {
  const cutoff = Date.now() - hours * 3600_000;
  let removed = 0;
  for (const name of existsSync(dir) ? readdirSync(dir) : []) {
    const file = join(dir, name);
    const stats = statSync(file, { throwIfNoEntry: false });
    if (!stats?.isFile() || !accept(name) || stats.mtimeMs >= cutoff) continue;
    rmSync(file, { force: true });
    removed++;
  }
  return removed;
}

/** Defines the comment notification and the periodic digest (Celery beat). */
function defineMailTasks(app: TaskApp, deps: TaskDeps) {
  const { board, mailer, cache } = deps;
  const notifyComment = app.defineTask(
    'notify-comment',
    async ({ commentId }: { commentId: number; articleId: number }) => {
      const comment = await board.comments.get(commentId);
      const article = comment && (await board.articles.get(comment.articleId));
      if (!comment || !article) return { sent: false };
      const values = { author: comment.authorName, title: article.title, body: comment.body };
      await mailer.send({
        to: article.authorEmail,
        subject: t('mail.commentSubject', values, 'en'),
        text: t('mail.commentBody', { ...values, url: `${deps.baseUrl()}/articles/${article.id}` }, 'en'),
      });
      return { sent: true };
    },
    { attempts: 5, backoff: { delay: 1000 }, timeLimit: 30_000 },
  );

  const digest = app.defineTask(
    'digest',
    async ({ to }: { to: string }) => {
      // The last article sent is kept in the (shared) cache so any worker can send the next
      // digest; ids, not timestamps, so an article is never sent twice or skipped. The first
      // digest covers the last day.
      const lastId = await cache.get<number>(LAST_DIGEST_KEY);
      const articles =
        lastId === undefined
          ? await board.articles.since(new Date(Date.now() - 24 * 3600_000).toISOString())
          : await board.articles.afterId(lastId);
      await mailer.send({
        to,
        subject: t('mail.digestSubject', { count: articles.length }, 'en'),
        text: articles.map((a) => `- ${a.title} (${deps.baseUrl()}/articles/${a.id})`).join('\n') || '-',
      });
      const newest = articles.length > 0 ? Math.max(...articles.map((a) => a.id)) : lastId;
      if (newest !== undefined) await cache.set(LAST_DIGEST_KEY, newest);
      return { articles: articles.length };
    },
    { attempts: 3, timeLimit: 60_000 },
  );
  app.schedule('digest', { cron: deps.digest.cron, tz: deps.digest.timeZone }, digest, { to: deps.digest.to });
  return { notifyComment, digest };
}

/** Writes an article's comments to `<exportDir>/<exportId>.csv` in chunks, reporting each step through `report`. */
async function writeExport(
  deps: TaskDeps,
  { articleId, exportId, locale, timeZone }: ExportPayload,
  signal: AbortSignal,
  report: (status: ExportStatus) => Promise<void>,
): Promise<number> {
  mkdirSync(deps.exportDir, { recursive: true });
  const comments = await deps.board.comments.forArticle(articleId);
  const partial = join(deps.exportDir, `${exportId}.csv.part`);
  // A BOM so spreadsheet programs read the file as UTF-8.
  writeFileSync(partial, `\ufeff${withLocale({ locale, timeZone }, () => t('csv.header'))}\r\n`);
  const chunk = Math.max(1, Math.ceil(comments.length / 10));
  await report({ state: 'running', percent: 0 });
  for (let i = 0; i < comments.length; i += chunk) {
    signal.throwIfAborted();
    const lines = comments
      .slice(i, i + chunk)
      .map((c) => csvLine([c.id, c.authorName, c.createdAt, c.body]))
      .join('');
    await appendFile(partial, lines);
    if (deps.chunkDelayMs > 0) await new Promise((resolve) => setTimeout(resolve, deps.chunkDelayMs));
    const done = Math.min(i + chunk, comments.length);
    await report({ state: 'running', percent: Math.round((done / comments.length) * 100) });
  }
  renameSync(partial, join(deps.exportDir, `${exportId}.csv`));
  return comments.length;
}

/** Defines the CSV export, which reports its progress in the cache and over the channel layer. */
function defineExportTask(app: TaskApp, deps: TaskDeps) {
  return app.defineTask(
    'export-csv',
    async (payload: ExportPayload, { signal }) => {
      const { exportId } = payload;
      const report = async (status: ExportStatus) => {
        await deps.cache.set(exportStatusKey(exportId), status, { ttl: 3600 });
        await deps.groups.groupSend(exportGroup(exportId), { type: 'export', exportId, ...status });
      };
      try {
        const rows = await writeExport(deps, payload, signal, report);
        await report({ state: 'done', percent: 100, url: `/exports/${exportId}.csv` });
        return { rows };
      } catch (error) {
        await report({ state: 'failed', percent: 0 });
        throw error;
      }
    },
    { attempts: 1, timeLimit: 120_000 },
  );
}

/**
 * Defines the thumbnail of an article's image, made off the request path. An image sharp refuses
 * (over THUMBNAIL_MAX_PIXELS, or not decodable) fails at once, unretried: the page keeps showing
 * the original. A storage that is down is retried with backoff.
 */
function defineThumbnailTask(app: TaskApp, deps: TaskDeps) {
  const { board, media } = deps;
  return app.defineTask(
    'thumbnail',
    async ({ articleId }: { articleId: number }, { signal }) => {
      const article = await board.articles.get(articleId);
      if (!article?.image) return { made: false };
      const made = await makeThumbnail(media.storage, article.image, { maxPixels: media.maxPixels, signal });
      await board.articles.setThumbnail(article.id, article.image, made.name);
      return { made: true, name: made.name, bytes: made.bytes };
    },
    {
      attempts: 3,
      backoff: { delay: 2000 },
      timeLimit: 60_000,
      retryOn: (error) => !(error instanceof ThumbnailError),
    },
  );
}

/**
 * Defines the scheduled backup, only with backup settings: a PostgreSQL server has backups of its
 * own (pg_dump, pgBackRest, a provider's point-in-time recovery), so there is no task for it.
 */
function defineBackupTask(app: TaskApp, deps: TaskDeps) {
  const settings = deps.backup;
  if (!settings) return undefined;
  const backup = app.defineTask(
    'backup-db',
    async () => {
      const taken = await backupDatabase(deps.board.db, settings.dir, {
        keep: settings.keep,
        mediaRoot: deps.media.backupRoot,
      });
      deps.logger.info({ file: taken.file, bytes: taken.bytes, mediaFiles: taken.mediaFiles }, 'database backed up');
      return { file: taken.file, bytes: taken.bytes, mediaFiles: taken.mediaFiles };
    },
    { attempts: 3, backoff: { delay: 10_000 }, timeLimit: 10 * 60_000 },
  );
  app.schedule('backup-db', { cron: settings.cron, tz: deps.digest.timeZone }, backup);
  return backup;
}

/**
 * Defines the maintenance (Django's clearsessions-style chores), each a task of its own so its
 * runs show in the task stats and listings: export files (the export task's results) and the
 * e-mail outbox (the mail log) are pruned by age, and the memory cache's expired entries are
 * swept (Redis expires its own: there the task finds nothing). Finished job records are capped
 * by the task backend itself (`TASK_RESULTS_KEEP`).
 */
function defineMaintenanceTasks(app: TaskApp, deps: TaskDeps) {
  const pruneCache = app.defineTask('prune-cache', async () => ({ removed: deps.cache.pruneExpired?.() ?? 0 }), {
    attempts: 1,
    timeLimit: 60_000,
  });
  app.schedule('prune-cache', { every: 5 * 60_000 }, pruneCache);

  const pruneExports = app.defineTask(
    'prune-exports',
    async ({ olderThanHours }: { olderThanHours: number }) => ({
      removed: removeOlderThan(deps.exportDir, olderThanHours),
    }),
    { attempts: 2, timeLimit: 60_000 },
  );
  app.schedule('prune-exports', { cron: '17 * * * *' }, pruneExports, {
    olderThanHours: deps.maintenance.exportKeepHours,
  });

  const pruneOutbox = app.defineTask(
    'prune-outbox',
    async ({ olderThanHours }: { olderThanHours: number }) => ({
      removed: removeOlderThan(deps.outboxDir, olderThanHours, (name) => name.endsWith('.eml')),
    }),
    { attempts: 2, timeLimit: 60_000 },
  );
  app.schedule('prune-outbox', { cron: '43 4 * * *', tz: deps.digest.timeZone }, pruneOutbox, {
    olderThanHours: deps.maintenance.outboxKeepDays * 24,
  });
  return { pruneCache, pruneExports, pruneOutbox };
}

/**
 * Enqueues `task` inside the open `atomic` block of the board's database, on its connection:
 * the job exists exactly when the block's data does. `undefined` when the backend cannot
 * (memory, or BullMQ beside a `:memory:` board): then enqueue from `onCommit` instead.
 */
function enqueueInBlockOf(chosen: ChosenBackend, board: Board) {
  const { enqueueIn } = chosen;
  if (!enqueueIn) return undefined;
  return async <Payload, Result>(task: Task<Payload, Result>, payload: Payload, options?: EnqueueOptions) => {
    const connection = board.db.blockConnection();
    if (connection === undefined) {
      throw new Error(`enqueueInBlock(\`${task.name}\`) must run inside an atomic block of the board's database`);
    }
    await enqueueIn(connection, task, payload, options);
  };
}

/**
 * The demo's tasks on `@adv/tasks` (Celery's job): a notification e-mail per comment (retried
 * with backoff), a periodic digest (Celery beat), a CSV export that reports progress over
 * the channel layer, thumbnails of article images, backups and maintenance.
 */
export function createTasks(deps: TaskDeps) {
  const chosen = backendFor(deps.redisUrl, deps.database, deps.board, deps.logger, deps.maintenance.taskResultsKeep);
  const app: TaskApp = createTaskApp({ backend: chosen.backend, logger: deps.logger });
  const { notifyComment, digest } = defineMailTasks(app, deps);
  const exportCsv = defineExportTask(app, deps);
  const thumbnail = defineThumbnailTask(app, deps);
  const backup = defineBackupTask(app, deps);
  const { pruneCache, pruneExports, pruneOutbox } = defineMaintenanceTasks(app, deps);
  return {
    app,
    store: chosen.store,
    enqueueInBlock: enqueueInBlockOf(chosen, deps.board),
    /** Creates the tables a block enqueues in (the backend's, or the outbox's) and starts the outbox relay. */
    ready: () => chosen.start(),
    /** Stops the outbox relay (before the app closes the backend). */
    closeOutbox: () => chosen.close(),
    notifyComment,
    digest,
    exportCsv,
    thumbnail,
    backup,
    pruneExports,
    pruneOutbox,
    pruneCache,
  };
}

export type DemoTasks = ReturnType<typeof createTasks>;
