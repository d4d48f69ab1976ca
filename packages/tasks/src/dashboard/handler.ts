import { randomBytes } from 'node:crypto';
import { TaskError } from '../errors.js';
import { charts, escapeHtml, layout } from './html.js';
import { DashboardMetrics } from './metrics.js';
import { type ResolvedDashboardOptions, resolveDashboardOptions, type TasksDashboardOptions } from './options.js';
import { conflict, failed, job, notFound, overview, schedules, tasks, type View } from './views.js';

/** A Fetch handler serving the dashboard, with `close()` to stop its listeners and live streams. */
export interface TasksDashboard {
  (request: Request): Promise<Response>;
  /** Detaches from the app's events and ends open live-update streams. */
  close(): void;
}

/** Failed jobs one "retry all" re-queues at most (the rest stay for the next click). */
export const RETRY_ALL_LIMIT = 10_000;

/**
 * Whether a POST comes from a page of the same origin: a browser's `Sec-Fetch-Site` must be
 * `same-origin`; without it (older browsers), `Origin` must be the request's origin or a trusted
 * one; a request with neither header is refused. The order of Go's `http.CrossOriginProtection`.
 */
export function isSameOrigin(request: Request, trusted: ReadonlySet<string>): boolean {
  const site = request.headers.get('sec-fetch-site');
  if (site !== null) return site === 'same-origin';
  const origin = request.headers.get('origin');
  return origin !== null && (origin === new URL(request.url).origin || trusted.has(origin));
}

/**
 * The tasks dashboard as a Fetch handler: overview with live counts and charts, per-task numbers,
 * failed jobs with retry, delete and retry-all, pause and resume of the queue where the backend
 * can (`app.canPause`), schedules with their next and last fire, and a page per job.
 *
 * @example
 * ```ts
 * const dashboard = tasksDashboard({ app, basePath: '/admin/tasks', authorize: (request) => isAdmin(request) });
 * ```
 */
export function tasksDashboard(options: TasksDashboardOptions): TasksDashboard {
  const o = resolveDashboardOptions(options);
  const metrics = new DashboardMetrics(o.app);
  const streams = new Set<() => void>();
  const handler = async function tasksDashboard(request: Request): Promise<Response> {
    const nonce = randomBytes(16).toString('base64');
    const render = (view: View) => page(view, o.basePath, nonce);
    if (!(await o.authorize(request))) return render({ status: 403, title: 'Forbidden', body: '<p>Not allowed.</p>' });
    const url = new URL(request.url);
    if (url.pathname !== o.basePath && !url.pathname.startsWith(`${o.basePath}/`)) {
      return render(notFound('This address is not part of the dashboard.'));
    }
    const path = url.pathname.slice(o.basePath.length) || '/';
    try {
      if (request.method === 'POST') {
        if (!isSameOrigin(request, o.trustedOrigins)) {
          return render({ status: 403, title: 'Forbidden', body: '<p>Cross-site request refused.</p>' });
        }
        return await act(o, path, render);
      }
      if (request.method !== 'GET' && request.method !== 'HEAD') {
        return new Response('Method Not Allowed', { status: 405, headers: { allow: 'GET, HEAD, POST' } });
      }
      if (path === '/events') return live(o, metrics, streams, request.signal);
      if (path === '/') return render(await overview(o.app, metrics, o.basePath, url));
      if (path === '/tasks') return render(await tasks(o.app, metrics, o.basePath));
      if (path === '/failed') return render(await failed(o.app, metrics, o.basePath, url));
      if (path === '/schedules') return render(await schedules(o.app, o.basePath));
      const id = jobId(path);
      if (id !== undefined) return render(job(await o.app.backend.get(id), id, metrics, o.basePath, url));
      return render(notFound('This address is not part of the dashboard.'));
    } catch (error) {
      const text = error instanceof Error ? error.message : String(error);
      return render({
        status: 500,
        title: 'Error',
        body: `<p>The dashboard could not do this: ${escapeHtml(text)}</p>`,
      });
    }
  } as TasksDashboard;
  handler.close = () => {
    metrics.close();
    for (const end of streams) end();
  };
  return handler;
}

function jobId(path: string, suffix = ''): string | undefined {
  const match = /^\/jobs\/([^/]+)$/.exec(suffix ? path.slice(0, -suffix.length) : path);
  if (!match || (suffix && !path.endsWith(suffix))) return undefined;
  try {
    return decodeURIComponent(match[1]!);
  } catch {
    return undefined;
  }
}

async function act(o: ResolvedDashboardOptions, path: string, render: (view: View) => Response): Promise<Response> {
  const back = (to: string, text: string) =>
    new Response(null, {
      status: 303,
      headers: { location: `${o.basePath}${to}?message=${encodeURIComponent(text)}` },
    });
  if (path === '/failed/retry-all') {
    const ids = (await o.app.list('failed', { end: RETRY_ALL_LIMIT - 1 })).map((record) => record.id);
    let retried = 0;
    for (const id of ids) if (await retryIfFailed(o, id)) retried++;
    const skipped = ids.length - retried;
    return back(
      '/failed',
      `Retried ${retried} job(s)${skipped ? `; ${skipped} had changed meanwhile and were left as they are` : ''}.`,
    );
  }
  if (path === '/queue/pause' || path === '/queue/resume') {
    if (!o.app.canPause) return render(conflict(`Backend \`${o.app.backendInfo.name}\` cannot pause its queue.`));
    if (path === '/queue/pause') await o.app.pause();
    else await o.app.resume();
    return back('/', path === '/queue/pause' ? 'Paused: workers start no new job.' : 'Resumed.');
  }
  const retry = jobId(path, '/retry');
  if (retry !== undefined) return retryJob(o, retry, render, back);
  const remove = jobId(path, '/delete');
  if (remove !== undefined) return deleteJob(o, remove, render, back);
  return render(notFound('No such action.'));
}

type Back = (to: string, text: string) => Response;
const gone = (id: string) =>
  notFound(`No job \`${id}\`: it was never enqueued here, or it was removed (by another click, or by retention).`);

async function retryJob(o: ResolvedDashboardOptions, id: string, render: (view: View) => Response, back: Back) {
  const record = await o.app.backend.get(id);
  if (!record) return render(gone(id));
  if (await retryIfFailed(o, id)) return back(`/jobs/${encodeURIComponent(id)}`, 'Retried: the job is waiting again.');
  const now = (await o.app.backend.get(id))?.status ?? 'removed';
  return render(conflict(`Job \`${id}\` is ${now} now, not failed: nothing to retry (it changed meanwhile).`));
}

/** Deletes a finished job; one that runs or waits again (retried meanwhile) is left alone. */
async function deleteJob(o: ResolvedDashboardOptions, id: string, render: (view: View) => Response, back: Back) {
  const record = await o.app.backend.get(id);
  if (!record) return render(gone(id));
  if (!FINISHED.has(record.status)) {
    return render(
      conflict(`Job \`${id}\` is ${record.status} now, not finished: nothing deleted (it changed meanwhile).`),
    );
  }
  const result = await o.app.remove(id);
  if (result === 'not-found') return render(gone(id));
  if (result === 'active') return render(conflict(`Job \`${id}\` started running again meanwhile: nothing deleted.`));
  return back(record.status === 'failed' ? '/failed' : '/', `Deleted job ${id}.`);
}

const FINISHED = new Set(['completed', 'failed', 'cancelled']);

/** Retries a failed job; `false` when it is no longer failed (another worker or click got there first). */
async function retryIfFailed(o: ResolvedDashboardOptions, id: string): Promise<boolean> {
  try {
    await o.app.retryFailed(id);
    return true;
  } catch (error) {
    if (error instanceof TaskError && error.code === 'ERR_NOT_FOUND') return false;
    throw error;
  }
}

function page(view: View, base: string, nonce: string): Response {
  return new Response(layout({ ...view, base, nonce }), {
    status: view.status,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
      'content-security-policy': `default-src 'none'; script-src 'nonce-${nonce}'; style-src 'unsafe-inline'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'`,
    },
  });
}

/** Server-sent events: an `update` with counts and charts now, then every `liveInterval` ms when they changed. */
function live(
  o: ResolvedDashboardOptions,
  metrics: DashboardMetrics,
  streams: Set<() => void>,
  signal: AbortSignal,
): Response {
  const encoder = new TextEncoder();
  let timer: ReturnType<typeof setTimeout> | undefined;
  let end: () => void = () => {};
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      let last = '';
      let closed = false;
      end = () => {
        if (closed) return;
        closed = true;
        clearTimeout(timer);
        streams.delete(end);
        signal.removeEventListener('abort', end);
        try {
          controller.close();
        } catch {}
      };
      streams.add(end);
      signal.addEventListener('abort', end, { once: true });
      const tick = async () => {
        try {
          const data = JSON.stringify({ stats: await o.app.stats(), charts: charts(metrics.lastHour()) });
          if (closed) return;
          controller.enqueue(encoder.encode(data === last ? ': ping\n\n' : `event: update\ndata: ${data}\n\n`));
          last = data;
        } catch (error) {
          if (closed) return;
          const text = error instanceof Error ? error.message : String(error);
          controller.enqueue(encoder.encode(`event: failure\ndata: ${JSON.stringify(text)}\n\n`));
        }
        if (!closed) timer = setTimeout(tick, o.liveInterval);
      };
      void tick();
    },
    cancel() {
      end();
    },
  });
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      'x-accel-buffering': 'no',
    },
  });
}
