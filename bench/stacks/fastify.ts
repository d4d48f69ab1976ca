/**
 * The article list on the stack a Fastify user would assemble: Fastify 5 with its own pino
 * logger (to the same kind of file; Fastify's default request logging: two lines per request),
 * @fastify/helmet, @fastify/caching (Cache-Control and ETag revalidation), fastify-metrics
 * (prom-client; the duration histogram, whose `_count` is the request counter, summary off like
 * the demo has none; default metrics on), @fastify/static for the collected files, health probes
 * and error pages. Fastify has no page-cache plugin: the page cache is an onRequest/onSend hook
 * pair on the route, keyed by URL, language and time zone like the demo's cachePage.
 * Not here (the demo has them): CSRF checks, the Host check, cookie-chosen language and time zone.
 */
import { createHash } from 'node:crypto';
import fastifyCaching from '@fastify/caching';
import fastifyHelmet from '@fastify/helmet';
import fastifyStatic from '@fastify/static';
import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import fastifyMetrics from 'fastify-metrics';
import Negotiator from 'negotiator';
import type { Locale } from '../../apps/demo/src/i18n.js';
import { fileLogger, HELMET_OPTIONS, PAGE_CACHE_SECONDS, PAGE_HEADERS, requestId } from './common.js';
import type { StackOptions } from './express.js';
import { PAGE_LANGUAGES } from './page.js';

interface StoredPage {
  body: string;
  etag: string;
  expires: number;
}

const localeOf = (request: FastifyRequest): Locale =>
  (new Negotiator(request.raw).language([...PAGE_LANGUAGES]) ?? PAGE_LANGUAGES[0]) as Locale;

/** The Fastify app (ready, not listening). */
export async function fastifyStack({ page, logFile, pageCache }: StackOptions) {
  const app = Fastify({
    loggerInstance: fileLogger(logFile),
    requestIdHeader: 'x-request-id',
    genReqId: (req) => requestId(req.headers['x-request-id']),
  });
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    done();
  });
  await app.register(fastifyHelmet, HELMET_OPTIONS);
  await app.register(fastifyCaching, { privacy: fastifyCaching.privacy.NOCACHE });
  // The CommonJS module's `default` is the plugin (Fastify also accepts the module itself).
  await app.register(fastifyMetrics.default, {
    endpoint: '/metrics',
    routeMetrics: { enabled: { histogram: true, summary: false } },
  });
  await app.register(fastifyStatic, { root: page.staticRoot, prefix: '/static/', immutable: true, maxAge: '1y' });
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async () => ({ status: 'ok' }));

  const pages = new Map<string, StoredPage>();
  const keyOf = (request: FastifyRequest, locale: Locale) => `${request.url}|${locale}|UTC`;
  const pageHeaders = (reply: FastifyReply, locale: Locale) =>
    reply.headers(PAGE_HEADERS).header('content-language', locale).type('text/html; charset=utf-8');
  app.get(
    '/',
    {
      onRequest(request, reply, done) {
        if (!pageCache) return done();
        const locale = localeOf(request);
        const hit = pages.get(keyOf(request, locale));
        if (hit === undefined || hit.expires <= Date.now()) return done();
        pageHeaders(reply, locale).etag(hit.etag);
        reply.send(hit.body);
      },
      onSend(request, reply, payload, done) {
        if (pageCache && reply.statusCode === 200 && typeof payload === 'string' && !reply.hasHeader('etag')) {
          const etag = `"${createHash('sha1').update(payload).digest('base64url')}"`;
          const locale = reply.getHeader('content-language') as Locale;
          pages.set(keyOf(request, locale), { body: payload, etag, expires: Date.now() + PAGE_CACHE_SECONDS * 1000 });
          reply.etag(etag);
        }
        done(null, payload);
      },
    },
    async (request, reply) => {
      const locale = localeOf(request);
      const html = await page.render(locale);
      pageHeaders(reply, locale);
      return html;
    },
  );
  app.setNotFoundHandler((_request, reply) => {
    reply.code(404).type('text/html; charset=utf-8').send('<!doctype html><title>Not found</title><h1>Not found</h1>');
  });
  app.setErrorHandler((error, request, reply) => {
    request.log.error({ err: error }, 'request errored');
    reply
      .code(500)
      .type('text/html; charset=utf-8')
      .send('<!doctype html><title>Server error</title><h1>Server error</h1>');
  });
  await app.ready();
  return app;
}
