import { type Cache, cachePage, createCache } from '@adv/cache';
import { createHealth, csrfMiddleware, securityMiddleware } from '@adv/deploy';
import { createI18n, loadCatalogs, localeMiddleware, setLanguage } from '@adv/i18n';
import { compose, type Middleware } from '@adv/types';
import { appRoot } from './paths.js';
import type { AppSettings } from './settings.js';
import { createTasks } from './tasks.js';

/** Request header carrying the negotiated language, so the cached page varies on it. */
const LOCALE_HEADER = 'x-app-locale';

const escapeHtml = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * The app: a cached, localized home page, a form that enqueues the `greet` task, health probes,
 * and the security middleware of @adv/deploy. `close()` stops the tasks and the cache.
 */
export async function createApp(settings: AppSettings) {
  const cache: Cache = createCache({ url: settings.REDIS_URL ?? 'memory://', keyPrefix: 'app' });
  const tasks = await createTasks(settings, cache);
  const { messages, files } = await loadCatalogs(`${appRoot}/locales`);
  const i18n = createI18n({ locales: ['en', 'pt-BR'], defaultLocale: 'en', messages, files });
  const health = createHealth({ checks: [cache.readinessCheck('cache'), tasks.app.readinessCheck('tasks')] });
  const setLang = setLanguage({ i18n });

  const home = cachePage({ cache, ttl: settings.PAGE_CACHE_SECONDS, varyOn: [LOCALE_HEADER] });
  const cachedHome: Middleware = async function cachedHome(request, next) {
    const { pathname } = new URL(request.url);
    if (request.method !== 'GET' || (pathname !== '/' && pathname !== '/pt-br/')) return next(request);
    const headers = new Headers(request.headers);
    headers.set(LOCALE_HEADER, i18n.getLocale());
    return home(new Request(request, { headers }), next);
  };

  async function routes(request: Request): Promise<Response> {
    const url = new URL(request.url);
    if (url.pathname === '/i18n/setlang') return setLang(request);
    if (url.pathname === '/greetings' && request.method === 'GET') {
      return Response.json({ count: Number((await cache.get('greetings')) ?? 0) });
    }
    if (url.pathname === '/greet' && request.method === 'POST') {
      const form = await request.formData();
      const name = String(form.get('name') ?? 'someone').slice(0, 100);
      const job = await tasks.greet.enqueue({ name });
      return Response.json({ enqueued: job.id }, { status: 202 });
    }
    if (request.method === 'GET' && (url.pathname === '/' || url.pathname === '/pt-br/')) {
      const count = Number((await cache.get('greetings')) ?? 0);
      const { t } = i18n;
      const language = i18n.getLocale();
      const body = `<!doctype html>
<html lang="${escapeHtml(language)}"><head><meta charset="utf-8"><title>${escapeHtml(t('title'))}</title></head>
<body>
  <h1>${escapeHtml(t('title'))}</h1>
  <p>${escapeHtml(t('intro', { seconds: settings.PAGE_CACHE_SECONDS, language }))}</p>
  <p>${escapeHtml(t('greetings', { count }))}</p>
  <form method="post" action="/greet"><input name="name" value="web"><button>${escapeHtml(t('greet'))}</button></form>
  <p><small>${escapeHtml(t('rendered', { at: new Date() }))}</small></p>
</body></html>`;
      return new Response(body, { headers: { 'content-type': 'text/html; charset=utf-8' } });
    }
    return new Response('Not found', { status: 404, headers: { 'content-type': 'text/plain; charset=utf-8' } });
  }

  const handler = compose(
    health.middleware, // /healthz, /readyz (before the Host check: probes use the pod IP)
    securityMiddleware(settings), // ALLOWED_HOSTS, HTTPS redirect, HSTS, nosniff, …
    csrfMiddleware(settings), // Origin/Referer check on POST
    localeMiddleware({ i18n }), // /pt-br/ prefix, cookie, Accept-Language
    cachedHome,
  )(routes);

  return {
    handler,
    health,
    cache,
    tasks,
    async close() {
      await tasks.app.close();
      await cache.close();
    },
  };
}

/** The running app, as {@link createApp} returns it. */
export type App = Awaited<ReturnType<typeof createApp>>;
