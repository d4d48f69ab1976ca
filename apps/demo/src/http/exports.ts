import { randomUUID } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { current } from '../i18n.js';
import { type ExportStatus, exportStatusKey } from '../jobs/tasks.js';
import type { RouteContext } from '../routes.js';
import { bounded, orFallback, ServiceUnavailableError } from './outage.js';
import type { Router } from './router.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The export id a request asks for: the page may choose it (a random UUID) so it can watch the
 * export's group before the export starts, and see every progress step; without one the server
 * picks it. A 400 response for a body that is not `{"exportId": "<uuid>"}`.
 */
async function requestedExportId(request: Request): Promise<string | Response> {
  const body = (await request.text().catch(() => '')).trim();
  if (body === '') return randomUUID();
  let chosen: unknown;
  try {
    chosen = (JSON.parse(body) as { exportId?: unknown } | null)?.exportId;
  } catch {
    return Response.json({ error: 'Expected a JSON body like {"exportId": "<uuid>"}' }, { status: 400 });
  }
  if (typeof chosen !== 'string' || !UUID.test(chosen)) {
    return Response.json({ error: 'Expected `exportId` to be a UUID' }, { status: 400 });
  }
  return chosen.toLowerCase();
}

/**
 * Reserves the export id (set-if-absent), so two exports never share a status or a file, and
 * queues the export. With the cache or the queue down the export cannot start: 503 (retry),
 * never a 409 that blames the id.
 */
async function startExport(ctx: RouteContext, articleId: number, exportId: string): Promise<Response> {
  const { deps, bound } = ctx;
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
      () => deps.tasks.exportCsv.enqueue({ articleId, exportId, locale, timeZone }, { jobId: `export-${exportId}` }),
      bound('tasks', 'queue the export'),
    );
  } catch (error) {
    if (!(error instanceof ServiceUnavailableError)) throw error;
    deps.logger.warn({ err: error, dependency: error.dependency }, 'export refused: a dependency is down');
    // Frees the id for a retry (best effort: the cache may be what is down; the status expires anyway).
    if (reserved) await orFallback(() => deps.cache.delete(key), undefined, bound('cache', 'free the export id'));
    return Response.json(
      { error: `The export could not be started (${error.message}); nothing was queued, please try again shortly.` },
      { status: 503, headers: { 'retry-after': '5' } },
    );
  }
  return Response.json({ exportId }, { status: 202 });
}

/** The CSV export of an article's comments: start it, watch its status, download the file. */
export function addExportRoutes(router: Router, ctx: RouteContext): void {
  const { deps, bound, notFound, articleId } = ctx;

  router.add('POST', '/articles/:id/export', async (request, params) => {
    const article = await deps.board.articles.get(articleId(params.id));
    if (!article) return Response.json({ error: 'not found' }, { status: 404 });
    const exportId = await requestedExportId(request);
    if (exportId instanceof Response) return exportId;
    return startExport(ctx, article.id, exportId);
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
}
