/**
 * The article list on the stack an Express user would assemble: Express 5, helmet, pino-http
 * (to a file), prom-client (request counter and duration histogram with the demo's names and
 * labels, default metrics on), route-cache (the maintained Express page cache: 0.7.1, 2026;
 * apicache's last release is from 2021) keyed by URL, language and time zone like the demo's
 * cachePage, express.static for the collected files, health probes and error pages.
 * Not here (the demo has them): CSRF checks, the Host check, cookie-chosen language and time zone.
 */
import type { Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import { pinoHttp } from 'pino-http';
import { Counter, collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import routeCache from 'route-cache';
import type { Locale } from '../../apps/demo/src/i18n.js';
import { fileLogger, HELMET_OPTIONS, PAGE_CACHE_SECONDS, PAGE_HEADERS, requestId } from './common.js';
import { type ArticlePage, PAGE_LANGUAGES } from './page.js';

export interface StackOptions {
  page: ArticlePage;
  /** File the request log goes to. */
  logFile: string;
  /** Cache the article list (`false`: rendered on every request). */
  pageCache: boolean;
}

/** The Express app (not listening). */
export function expressStack({ page, logFile, pageCache }: StackOptions): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(
    pinoHttp({
      logger: fileLogger(logFile),
      genReqId(req, res) {
        const id = requestId(req.headers['x-request-id']);
        res.setHeader('x-request-id', id);
        return id;
      },
    }),
  );

  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  const labelNames = ['method', 'route', 'status'] as const;
  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests handled',
    labelNames,
    registers: [registry],
  });
  const duration = new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP request duration in seconds',
    labelNames,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  app.use((req, res, next) => {
    const start = process.hrtime.bigint();
    res.once('finish', () => {
      const route = (req.route as { path?: string } | undefined)?.path ?? 'other';
      const labels = { method: req.method, route, status: String(res.statusCode) };
      requests.inc(labels);
      duration.observe(labels, Number(process.hrtime.bigint() - start) / 1e9);
    });
    next();
  });
  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.use(helmet(HELMET_OPTIONS));
  app.use('/static', express.static(page.staticRoot, { immutable: true, maxAge: '1y', index: false }));
  app.use((req, res, next) => {
    res.locals.locale = (req.acceptsLanguages(...PAGE_LANGUAGES) || PAGE_LANGUAGES[0]) as Locale;
    res.set('content-language', res.locals.locale);
    next();
  });

  const render = async (_req: Request, res: Response) => {
    const html = await page.render(res.locals.locale as Locale);
    res.set(PAGE_HEADERS).type('html').send(html);
  };
  if (pageCache) {
    // The key carries what the page varies on, as the demo's cachePage key does.
    const cached = routeCache.cacheSeconds(
      PAGE_CACHE_SECONDS,
      (req, res) => `${req.originalUrl}|${res.locals.locale}|UTC`,
    );
    app.get(
      '/',
      (_req, res, next) => {
        // route-cache replays body, status and content type only: the page headers are set on every request.
        res.set(PAGE_HEADERS);
        next();
      },
      cached,
      render,
    );
  } else {
    app.get('/', render);
  }

  app.use((_req, res) => {
    res.status(404).type('html').send('<!doctype html><title>Not found</title><h1>Not found</h1>');
  });
  app.use((error: unknown, req: Request, res: Response, _next: NextFunction) => {
    req.log.error({ err: error }, 'request errored');
    res.status(500).type('html').send('<!doctype html><title>Server error</title><h1>Server error</h1>');
  });
  return app;
}

/** Starts `app` on a free loopback port. */
export function listen(app: express.Express): Promise<Server> {
  return new Promise((resolve, reject) => {
    const server = app.listen(0, '127.0.0.1', (error?: Error) => (error ? reject(error) : resolve(server)));
  });
}
