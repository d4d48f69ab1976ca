import { type Handler, type Logger, pathnameOf } from '@adv/types';
import type { Liquid } from 'liquidjs';
import type { Board } from './board.js';
import type { Article } from './db/repositories.js';
import { readArticleForm } from './http/article-form.js';
import { addExportRoutes } from './http/exports.js';
import { readForm } from './http/forms.js';
import { type BoundedOptions, orFallback } from './http/outage.js';
import { Router } from './http/router.js';
import { current, setLanguage, t } from './i18n.js';
import type { DemoTasks } from './jobs/tasks.js';
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

const redirect = (location: string) => new Response(null, { status: 303, headers: { location } });

/** The demo's routes as one Fetch handler, plus what methods each path serves (for 405s outside the router). */
export type Routes = Handler & { allowedMethods(pathname: string): string[] };

/** What every group of routes shares: the dependencies and the helpers built on them. */
export interface RouteContext {
  deps: RouteDeps;
  /** Renders `template` as an HTML page of `request`'s path. */
  page(request: Request, template: string, data: Record<string, unknown>, init?: ResponseInit): Promise<Response>;
  /** The localized 404 page. */
  notFound: Handler;
  /** The bound (DEPENDENCY_TIMEOUT_MS) and log context of one call to the cache or the queue. */
  bound(dependency: BoundedOptions['dependency'], what: string): BoundedOptions & { logger: Logger };
  /** A path's article id, or NaN (no article has it) when it is not 1 to 12 digits. */
  articleId(raw: string | undefined): number;
}

function routeContext(deps: RouteDeps): RouteContext {
  const page = (request: Request, template: string, data: Record<string, unknown>, init?: ResponseInit) =>
    renderPage(deps.engine, template, { path: pathnameOf(request), ...data }, init);
  return {
    deps,
    page,
    notFound: (request) =>
      page(request, 'error', { heading: t('error.notFound'), message: t('error.notFoundText') }, { status: 404 }),
    bound: (dependency, what) => ({ dependency, what, timeoutMs: deps.dependencyTimeoutMs, logger: deps.logger }),
    articleId: (raw) => (/^\d{1,12}$/.test(raw ?? '') ? Number(raw) : Number.NaN),
  };
}

/** The article's image for the page: the thumbnail once the task made it, the original until then. */
function imageOf(media: DemoMedia, article: Pick<Article, 'image' | 'thumbnail'>) {
  if (article.image === null) return undefined;
  return {
    original: media.url(article.image),
    thumbnail: article.thumbnail === null ? undefined : media.url(article.thumbnail),
  };
}

/** The article list, the new-article form and its post, an article's page. */
function addArticleRoutes(router: Router, ctx: RouteContext): void {
  const { deps, page, notFound, bound, articleId } = ctx;
  const { board } = deps;

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
      image: imageOf(deps.media, article),
      comments: await board.comments.forArticle(article.id),
      views,
      form: {},
      errors: [],
    });
  });
}

/** An article's comments: the ones a reconnected page missed, and the comment form's post. */
function addCommentRoutes(router: Router, ctx: RouteContext): void {
  const { deps, page, notFound, bound, articleId } = ctx;
  const { board } = deps;

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
        { article, image: imageOf(deps.media, article), comments, views, form: form.values, errors: form.errors },
        { status: 400 },
      );
    }
    await board.addComment({ articleId: article.id, authorName: form.data.author, body: form.data.body });
    return redirect(`${current().prefix}/articles/${article.id}#comments`);
  });
}

/** Builds the demo's routes as one Fetch handler. */
export function createRoutes(deps: RouteDeps): Routes {
  const router = new Router();
  const ctx = routeContext(deps);
  addArticleRoutes(router, ctx);
  addCommentRoutes(router, ctx);
  addExportRoutes(router, ctx);
  const { notFound } = ctx;
  router.add('POST', '/i18n/setlang', setLanguage);

  return Object.assign(router.handler(notFound), {
    allowedMethods: (pathname: string) => router.allowedMethods(pathname),
  });
}
