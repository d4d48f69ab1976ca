import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { appendFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Storage } from '@adv/deploy/media';
import { onCommit } from '@adv/signals';
import {
  createTaskApp,
  type EnqueueOptions,
  memoryBackend,
  type Task,
  type TaskApp,
  type TaskBackend,
} from '@adv/tasks';
import { bullmqBackend } from '@adv/tasks/bullmq';
import { createOutbox, type OutboxPgQueryable, type OutboxSqliteDatabase } from '@adv/tasks/outbox';
import { type PgQueryable, postgresBackend } from '@adv/tasks/postgres';
import { type SqliteConnectionLike, sqliteBackend } from '@adv/tasks/sqlite';
import type { CacheLike, GroupSender, Logger } from '@adv/types';
import pg from 'pg';
import type { Board } from '../board.js';
import { backupDatabase } from '../db/backup.js';
import type { DatabaseLocation } from '../db/database.js';
import type { SqliteDatabase } from '../db/sqlite.js';
import { type Locale, t, withLocale } from '../i18n.js';
import { csvLine } from './csv.js';
import type { Mailer } from './mail.js';
import { makeThumbnail, ThumbnailError } from './thumbnail.js';

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

/** Which backend the demo's tasks run on. */
export type TaskStore = 'sqlite' | 'postgres' | 'bullmq' | 'memory';

/**
 * Writes a job on the connection of the open `atomic` block of the board's database, so it
 * commits or rolls back with the block's data.
 */
type EnqueueIn = <Payload, Result>(
  connection: unknown,
  task: Task<Payload, Result>,
  payload: Payload,
  options?: EnqueueOptions,
) => unknown;

/**
 * The task backend, by configuration: BullMQ on Redis (REDIS_URL) for many processes at high
 * rates; else the board's own database, so an enqueue is part of the board's transaction:
 * PostgreSQL (DATABASE_URL) across machines, or the SQLite file (the default; durable, several
 * processes on one machine). A throwaway `:memory:` board (benchmarks, `check --deploy`) gets the
 * in-process memory backend. Each keeps the newest `keep` finished jobs of each outcome.
 */
function backendFor(
  redisUrl: string | undefined,
  database: DatabaseLocation,
  board: Board,
  logger: Logger,
  keep: number,
): {
  store: TaskStore;
  backend: TaskBackend;
  enqueueIn: EnqueueIn | undefined;
  start(): Promise<void>;
  close(): Promise<void>;
} {
  const retention = { keepCompleted: keep, keepFailed: keep };
  const nothing = async () => {};
  if (redisUrl) {
    const backend = bullmqBackend({ connection: redisUrl, queueName: 'adv-demo', ...retention });
    // The outbox: a row in the board's transaction, moved to Redis after COMMIT by a relay in
    // every process (retrying while Redis is down; the jobId keeps a resent row from running twice).
    const onError = (error: unknown) =>
      logger.warn({ err: error }, 'task outbox: relay failed (Redis down or the database locked), retrying');
    if (database.url !== undefined) {
      const pool = new pg.Pool({ connectionString: database.url, max: 2 });
      pool.on('error', () => {}); // an idle connection lost: the next checkout reconnects
      const outbox = createOutbox({ backend, database: pool, onError });
      return {
        store: 'bullmq',
        backend,
        enqueueIn: async (connection, task, payload, options) => {
          await outbox.enqueueIn(connection as OutboxPgQueryable, task, payload, options);
          onCommit(() => outbox.wake()); // the block spans awaits: wake the relay at its COMMIT
        },
        start: () => outbox.start(),
        close: async () => {
          await outbox.close();
          await pool.end();
        },
      };
    }
    if (database.file !== ':memory:' && board.db.dialect === 'sqlite') {
      const native = (board.db as SqliteDatabase).native as unknown as OutboxSqliteDatabase;
      const outbox = createOutbox({ backend, database: native, onError });
      return {
        store: 'bullmq',
        backend,
        enqueueIn: (connection, task, payload, options) => {
          outbox.enqueueIn(connection as OutboxSqliteDatabase, task, payload, options);
          onCommit(() => outbox.wake()); // the block spans awaits: wake the relay at its COMMIT
        },
        start: () => outbox.start(),
        close: () => outbox.close(),
      };
    }
    return { store: 'bullmq', backend, enqueueIn: undefined, start: nothing, close: nothing };
  }
  if (database.url !== undefined) {
    const backend = postgresBackend({ connectionString: database.url, queueName: 'adv-demo', ...retention });
    return {
      store: 'postgres',
      backend,
      enqueueIn: (connection, task, payload, options) =>
        backend.enqueueIn(connection as PgQueryable, task, payload, options),
      // Creates the tables (before a block first enqueues in them) by reading the counts.
      start: async () => {
        await backend.stats();
      },
      close: nothing,
    };
  }
  if (database.file === ':memory:') {
    return { store: 'memory', backend: memoryBackend(retention), enqueueIn: undefined, start: nothing, close: nothing };
  }
  const backend = sqliteBackend({ filename: database.file, queueName: 'adv-demo', ...retention });
  return {
    store: 'sqlite',
    backend,
    enqueueIn: (connection, task, payload, options) =>
      backend.enqueueIn(connection as SqliteConnectionLike, task, payload, options),
    start: async () => {
      await backend.stats();
    },
    close: nothing,
  };
}

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

/**
 * The demo's tasks on `@adv/tasks` (Celery's job): a notification e-mail per comment (retried
 * with backoff), a periodic digest (Celery beat) and a CSV export that reports progress over
 * the channel layer.
 */
export function createTasks(deps: TaskDeps) {
  const { board, mailer, cache, groups, logger } = deps;
  const chosen = backendFor(deps.redisUrl, deps.database, board, logger, deps.maintenance.taskResultsKeep);
  const app: TaskApp = createTaskApp({ backend: chosen.backend, logger });

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

  const exportCsv = app.defineTask(
    'export-csv',
    async ({ articleId, exportId, locale, timeZone }: ExportPayload, { signal }) => {
      const report = async (status: ExportStatus) => {
        await cache.set(exportStatusKey(exportId), status, { ttl: 3600 });
        await groups.groupSend(exportGroup(exportId), { type: 'export', exportId, ...status });
      };
      try {
        mkdirSync(deps.exportDir, { recursive: true });
        const comments = await board.comments.forArticle(articleId);
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
        await report({ state: 'done', percent: 100, url: `/exports/${exportId}.csv` });
        return { rows: comments.length };
      } catch (error) {
        await report({ state: 'failed', percent: 0 });
        throw error;
      }
    },
    { attempts: 1, timeLimit: 120_000 },
  );

  // The thumbnail of an article's image, made off the request path. An image sharp refuses
  // (over THUMBNAIL_MAX_PIXELS, or not decodable) fails at once, unretried: the page keeps
  // showing the original. A storage that is down is retried with backoff.
  const thumbnail = app.defineTask(
    'thumbnail',
    async ({ articleId }: { articleId: number }, { signal }) => {
      const article = await board.articles.get(articleId);
      if (!article?.image) return { made: false };
      const made = await makeThumbnail(deps.media.storage, article.image, { maxPixels: deps.media.maxPixels, signal });
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

  // Only with backup settings: a PostgreSQL server has backups of its own (pg_dump, pgBackRest,
  // a provider's point-in-time recovery), so there is no task for it.
  const backupSettings = deps.backup;
  const backup =
    backupSettings &&
    app.defineTask(
      'backup-db',
      async () => {
        const taken = await backupDatabase(board.db, backupSettings.dir, {
          keep: backupSettings.keep,
          mediaRoot: deps.media.backupRoot,
        });
        logger.info({ file: taken.file, bytes: taken.bytes, mediaFiles: taken.mediaFiles }, 'database backed up');
        return { file: taken.file, bytes: taken.bytes, mediaFiles: taken.mediaFiles };
      },
      { attempts: 3, backoff: { delay: 10_000 }, timeLimit: 10 * 60_000 },
    );
  if (backup && backupSettings) {
    app.schedule('backup-db', { cron: backupSettings.cron, tz: deps.digest.timeZone }, backup);
  }

  // Maintenance (Django's clearsessions-style chores), each a task of its own so its runs show
  // in the task stats and listings: export files (the export task's results) and the e-mail
  // outbox (the mail log) are pruned by age, and the memory cache's expired entries are swept
  // (Redis expires its own: there the task finds nothing). Finished job records are capped by
  // the task backend itself (`TASK_RESULTS_KEEP`).
  const pruneCache = app.defineTask('prune-cache', async () => ({ removed: cache.pruneExpired?.() ?? 0 }), {
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

  /**
   * Enqueues `task` inside the open `atomic` block of the board's database, on its connection:
   * the job exists exactly when the block's data does. `undefined` when the backend cannot
   * (memory, or BullMQ beside a `:memory:` board): then enqueue from `onCommit` instead.
   */
  const enqueueInBlock = chosen.enqueueIn
    ? async <Payload, Result>(task: Task<Payload, Result>, payload: Payload, options?: EnqueueOptions) => {
        const connection = board.db.blockConnection();
        if (connection === undefined) {
          throw new Error(`enqueueInBlock(\`${task.name}\`) must run inside an atomic block of the board's database`);
        }
        await chosen.enqueueIn!(connection, task, payload, options);
      }
    : undefined;

  /** Creates the tables a block enqueues in (the backend's, or the outbox's) and starts the outbox relay. */
  const ready = () => chosen.start();
  /** Stops the outbox relay (before the app closes the backend). */
  const closeOutbox = () => chosen.close();

  return {
    app,
    store: chosen.store,
    enqueueInBlock,
    ready,
    closeOutbox,
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
