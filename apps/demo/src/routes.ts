import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import type { Handler } from '@adv/types';
import type { Liquid } from 'liquidjs';
import type { Board } from './board.js';
import { readForm } from './http/forms.js';
import { Router } from './http/router.js';
import { current, setLanguage, t } from './i18n.js';
import type { DemoTasks, ExportStatus } from './jobs/tasks.js';
import { exportStatusKey } from './jobs/tasks.js';
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
  };
  exportDir: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const redirect = (location: string) => new Response(null, { status: 303, headers: { location } });

/** Builds the demo's routes as one Fetch handler. */
export function createRoutes(deps: RouteDeps): Handler {
  const { board, engine } = deps;
  const router = new Router();
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
    const form = await readForm<{ author: string; email: string; title: string; body: string }>(request, [
      { name: 'author', label: 'form.name', max: 80 },
      { name: 'email', label: 'form.email', max: 120, email: true },
      { name: 'title', label: 'form.title', max: 160 },
      { name: 'body', label: 'form.body', max: 20_000 },
    ]);
    if (!form.ok) return page(request, 'new-article', { form: form.values, errors: form.errors }, { status: 400 });
    const { author, email, title, body } = form.data;
    const article = await board.createArticle({ title, body, authorName: author, authorEmail: email });
    return redirect(`${current().prefix}/articles/${article.id}`);
  });

  const articleId = (raw: string | undefined) => (/^\d{1,12}$/.test(raw ?? '') ? Number(raw) : Number.NaN);

  router.add('GET', '/articles/:id', async (request, params) => {
    const article = await board.articles.get(articleId(params.id));
    if (!article) return notFound(request);
    const views = await deps.cache.incr(`views:article:${article.id}`);
    return page(request, 'article', {
      article,
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
      const views = (await deps.cache.get<number>(`views:article:${article.id}`)) ?? 0;
      const comments = await board.comments.forArticle(article.id);
      return page(
        request,
        'article',
        { article, comments, views, form: form.values, errors: form.errors },
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
    // Reserves the id (set-if-absent), so two exports never share a status or a file.
    const queued: ExportStatus = { state: 'running', percent: 0 };
    if (!(await deps.cache.add(exportStatusKey(exportId), queued, { ttl: 3600 }))) {
      return Response.json({ error: 'That export id is taken' }, { status: 409 });
    }
    const { locale, timeZone } = current();
    await deps.tasks.exportCsv.enqueue(
      { articleId: article.id, exportId, locale, timeZone },
      { jobId: `export-${exportId}` },
    );
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
    const status = await deps.cache.get<ExportStatus>(exportStatusKey(params.id ?? ''));
    return status ? Response.json(status) : Response.json({ error: 'unknown export' }, { status: 404 });
  });

  router.add('POST', '/i18n/setlang', setLanguage);

  return router.handler(notFound);
}
