import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Handler, Logger } from '@adv/types';
import type { Liquid } from 'liquidjs';
import type { Board } from './board.js';
import { readArticleForm } from './http/article-form.js';
import { readForm } from './http/forms.js';
import { type BoundedOptions, bounded, orFallback, ServiceUnavailableError } from './http/outage.js';
import { Router } from './http/router.js';
import { current, setLanguage, t } from './i18n.js';
import type { DemoTasks, ExportStatus } from './jobs/tasks.js';
import { exportStatusKey } from './jobs/tasks.js';
import type { DemoMedia } from './media.js';
import { renderPage } from './views/render.js';

/** What the routes need. */
export interface RouteDeps {
  board: Board;
  engine: Liquid;
  tasks: DemoTasks;
  cache: {
    get<T>(key: string): Promise<T | undefined>;
    add(key: string, value: unknown, options?: { ttl?: number }): Promise<boolean>;
    incr(key: string, by?: number): Promise<number>;
    delete(key: string): Promise<unknown>;
  };
  /** Uploaded images: the new-article form stores them, the article page links them. */
  media: DemoMedia;
  exportDir: string;
  logger: Logger;
  /** The bound on each call to the cache and the queue (DEPENDENCY_TIMEOUT_MS). */
  dependencyTimeoutMs: number;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const redirect = (location: string) => new Response(null, { status: 303, headers: { location } });

/** The demo's routes as one Fetch handler, plus what methods each path serves (for 405s outside the router). */
export type Routes = Handler & { allowedMethods(pathname: string): string[] };

/** Builds the demo's routes as one Fetch handler. */
export function createRoutes(deps: RouteDeps): Routes {
  const { board, engine, logger } = deps;
  const router = new Router();
  const bound = (dependency: BoundedOptions['dependency'], what: string): BoundedOptions & { logger: Logger } => ({
    dependency,
    what,
    timeoutMs: deps.dependencyTimeoutMs,
    logger,
  });
  const page = (request: Request, template: string, data: Record<string, unknown>, init?: ResponseInit) =>
    renderPage(engine, template, { path: new URL(request.url).pathname, ...data }, init);

  const notFound: Handler = (request) =>
    page(request, 'error', { heading: t('error.notFound'), message: t('error.notFoundText') }, { status: 404 });

  router.add('GET', '/', async (request) => {
    // Getters: the sidebar's query runs only when its {% cache %} block misses.
    const sidebar = {
      get articles() {
        // A promise: LiquidJS awaits it when the block renders.
        return board.articles.popular(5);
      },
      get renderedAt() {
        return new Date().toISOString();
      },
    };
    return page(request, 'articles', { articles: await board.articles.latest(50), sidebar });
  });

  router.add('GET', '/articles/new', (request) => page(request, 'new-article', { form: {}, errors: [] }));

  router.add('POST', '/articles', async (request) => {
    const form = await readArticleForm(request, deps.media);
    if (!form.ok) {
      const init = { status: form.status, ...(form.headers ? { headers: form.headers } : {}) };
      return page(request, 'new-article', { form: form.values, errors: form.errors }, init);
    }
    const { author, email, title, body } = form.data;
    const article = await board.createArticle({
      title,
      body,
      authorName: author,
      authorEmail: email,
      image: form.image,
    });
    return redirect(`${current().prefix}/articles/${article.id}`);
  });

  /** The article's image for the page: the thumbnail once the task made it, the original until then. */
  const imageOf = (article: { image: string | null; thumbnail: string | null }) =>
    article.image === null
      ? undefined
      : {
          original: deps.media.url(article.image),
          thumbnail: article.thumbnail === null ? undefined : deps.media.url(article.thumbnail),
        };

  const articleId = (raw: string | undefined) => (/^\d{1,12}$/.test(raw ?? '') ? Number(raw) : Number.NaN);

  router.add('GET', '/articles/:id', async (request, params) => {
    const article = await board.articles.get(articleId(params.id));
    if (!article) return notFound(request);
    // The count is a nicety: with the cache down the page renders without it.
    const views = await orFallback(
      () => deps.cache.incr(`views:article:${article.id}`),
      undefined,
      bound('cache', 'count the view'),
    );
    return page(request, 'article', {
      article,
      image: imageOf(article),
      comments: await board.comments.forArticle(article.id),
      views,
      form: {},
      errors: [],
    });
  });

  // The comments after a given id, for a page that was offline for a while (its socket
  // reconnected and may have missed broadcasts).
  router.add('GET', '/articles/:id/comments', async (request, params) => {
    const article = await board.articles.get(articleId(params.id));
    if (!article) return Response.json({ error: 'not found' }, { status: 404 });
    const raw = new URL(request.url).searchParams.get('after') ?? '0';
    if (!/^\d{1,12}$/.test(raw)) {
      return Response.json({ error: 'Expected `after` to be a comment id (digits)' }, { status: 400 });
    }
    const after = Number(raw);
    const comments = (await board.comments.forArticle(article.id)).filter((comment) => comment.id > after);
    return Response.json({ comments }, { headers: { 'cache-control': 'no-store' } });
  });

  router.add('POST', '/articles/:id/comments', async (request, params) => {
    const article = await board.articles.get(articleId(params.id));
    if (!article) return notFound(request);
    const form = await readForm<{ author: string; body: string }>(request, [
      { name: 'author', label: 'form.name', max: 80 },
      { name: 'body', label: 'form.comment', max: 2000 },
    ]);
    if (!form.ok) {
      const views = await orFallback(
        () => deps.cache.get<number>(`views:article:${article.id}`),
        undefined,
        bound('cache', 'read the view count'),
      );
      const comments = await board.comments.forArticle(article.id);
      return page(
        request,
        'article',
        { article, image: imageOf(article), comments, views, form: form.values, errors: form.errors },
        { status: 400 },
      );
    }
    await board.addComment({ articleId: article.id, authorName: form.data.author, body: form.data.body });
    return redirect(`${current().prefix}/articles/${article.id}#comments`);
  });

  router.add('POST', '/articles/:id/export', async (request, params) => {
    const article = await board.articles.get(articleId(params.id));
    if (!article) return Response.json({ error: 'not found' }, { status: 404 });
    // The page may choose the id (a random UUID) so it can watch the export's group before the
    // export starts, and see every progress step; without one the server picks it.
    const body = (await request.text().catch(() => '')).trim();
    let exportId: string = randomUUID();
    if (body !== '') {
      let chosen: unknown;
      try {
        chosen = (JSON.parse(body) as { exportId?: unknown } | null)?.exportId;
      } catch {
        return Response.json({ error: 'Expected a JSON body like {"exportId": "<uuid>"}' }, { status: 400 });
      }
      if (typeof chosen !== 'string' || !UUID.test(chosen)) {
        return Response.json({ error: 'Expected `exportId` to be a UUID' }, { status: 400 });
      }
      exportId = chosen.toLowerCase();
    }
    // Reserves the id (set-if-absent), so two exports never share a status or a file. With the
    // cache or the queue down the export cannot start: 503 (retry), never a 409 that blames the id.
    const key = exportStatusKey(exportId);
    let reserved = false;
    try {
      const queued: ExportStatus = { state: 'running', percent: 0 };
      if (!(await bounded(() => deps.cache.add(key, queued, { ttl: 3600 }), bound('cache', 'reserve the export id')))) {
        // `false` should mean taken; make sure it is not a store that failed to write.
        if ((await bounded(() => deps.cache.get(key), bound('cache', 'read the export status'))) !== undefined) {
          return Response.json({ error: 'That export id is taken' }, { status: 409 });
        }
        throw new ServiceUnavailableError('cache', 'Could not reserve the export id: the cache did not store it');
      }
      reserved = true;
      const { locale, timeZone } = current();
      await bounded(
        () =>
          deps.tasks.exportCsv.enqueue(
            { articleId: article.id, exportId, locale, timeZone },
            { jobId: `export-${exportId}` },
          ),
        bound('tasks', 'queue the export'),
      );
    } catch (error) {
      if (!(error instanceof ServiceUnavailableError)) throw error;
      logger.warn({ err: error, dependency: error.dependency }, 'export refused: a dependency is down');
      // Frees the id for a retry (best effort: the cache may be what is down; the status expires anyway).
      if (reserved) await orFallback(() => deps.cache.delete(key), undefined, bound('cache', 'free the export id'));
      return Response.json(
        { error: `The export could not be started (${error.message}); nothing was queued, please try again shortly.` },
        { status: 503, headers: { 'retry-after': '5' } },
      );
    }
    return Response.json({ exportId }, { status: 202 });
  });

  router.add('GET', '/exports/:file', async (request, params) => {
    const match = /^([0-9a-f-]{36})\.csv$/.exec(params.file ?? '');
    const file = match ? join(deps.exportDir, `${match[1]}.csv`) : '';
    if (!match || !existsSync(file)) return notFound(request);
    return new Response(Readable.toWeb(createReadStream(file)) as ReadableStream, {
      headers: {
        'content-type': 'text/csv; charset=utf-8',
        'content-disposition': `attachment; filename="comments-${match[1]!.slice(0, 8)}.csv"`,
        'cache-control': 'private, no-store',
      },
    });
  });

  router.add('GET', '/exports/:id/status', async (_request, params) => {
    const status = await bounded(
      () => deps.cache.get<ExportStatus>(exportStatusKey(params.id ?? '')),
      bound('cache', 'read the export status'),
    );
    return status ? Response.json(status) : Response.json({ error: 'unknown export' }, { status: 404 });
  });

  router.add('POST', '/i18n/setlang', setLanguage);

  return Object.assign(router.handler(notFound), {
    allowedMethods: (pathname: string) => router.allowedMethods(pathname),
  });
}
