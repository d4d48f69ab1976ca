import type { TaskApp } from '../app.js';
import type { JobRecord, TaskStats } from '../types.js';
import { charts, escapeHtml, showJson, showTime, truncate } from './html.js';
import type { DashboardMetrics } from './metrics.js';

/** What a view renders: the layout adds navigation and the live script. */
export interface View {
  status: number;
  title: string;
  body: string;
  live?: boolean;
}

/** Failed jobs shown per page. */
export const FAILED_PAGE = 50;
const FINISHED = new Set(['completed', 'failed', 'cancelled']);
const STATES: (keyof TaskStats)[] = ['waiting', 'active', 'delayed', 'failed', 'completed'];

const e = escapeHtml;
const ms = (v: number | undefined) => (v === undefined ? '–' : `${v.toFixed(1)} ms`);

function message(text: string | null): string {
  return text ? `<p class="msg" role="status">${e(text)}</p>` : '';
}

/** A POST button; `base` and `action` are escaped here. */
function button(base: string, action: string, label: string): string {
  return `<form method="post" action="${e(base + action)}"><button>${e(label)}</button></form>`;
}

function jobLink(base: string, id: string): string {
  return `<a href="${e(`${base}/jobs/${encodeURIComponent(id)}`)}">${e(truncate(id, 60))}</a>`;
}

/** The queue's state with a pause or resume button, where the backend can pause (`app.canPause`). */
async function queueState(app: TaskApp, base: string): Promise<string> {
  if (!app.canPause) return '';
  const paused = await app.isPaused();
  return `<p class="queue">Queue: <b data-paused="${paused}">${paused ? 'paused' : 'running'}</b> ${
    paused ? button(base, '/queue/resume', 'Resume') : button(base, '/queue/pause', 'Pause')
  }</p>`;
}

export async function overview(app: TaskApp, metrics: DashboardMetrics, base: string, url: URL): Promise<View> {
  const [stats, state] = await Promise.all([app.stats(), queueState(app, base)]);
  const counts = STATES.map((s) => `<div class="count">${s}<b data-state="${s}">${stats[s]}</b></div>`).join('');
  const svgs = Object.entries(charts(metrics.lastHour()))
    .map(([id, svg]) => `<figure id="${id}">${svg}</figure>`)
    .join('');
  return {
    status: 200,
    title: 'Overview',
    live: true,
    body: `${message(url.searchParams.get('message'))}${state}<div class="counts">${counts}</div><div class="charts">${svgs}</div>
<p>Charts count the jobs this process ran over the last hour; counts come from the backend.</p>`,
  };
}

export async function tasks(app: TaskApp, metrics: DashboardMetrics, base: string): Promise<View> {
  const state = await queueState(app, base);
  const rows = metrics
    .tasks()
    .map(
      (t) =>
        `<tr><td>${e(t.name)}</td><td>${t.runs}</td><td>${t.completed}</td><td>${t.failures}</td><td>${t.retries}</td><td>${ms(t.p50)}</td><td>${ms(t.p95)}</td></tr>`,
    )
    .join('');
  return {
    status: 200,
    title: 'Tasks',
    body: `${state}<p>Runs in this process since the dashboard started.</p><table><thead><tr><th>Task</th><th>Runs</th>
<th>Completed</th><th>Failures</th><th>Retries</th><th>p50</th><th>p95</th></tr></thead>
<tbody>${rows || '<tr><td colspan="7">No task has run yet.</td></tr>'}</tbody></table>`,
  };
}

export async function failed(app: TaskApp, metrics: DashboardMetrics, base: string, url: URL): Promise<View> {
  const page = Math.max(0, Number.parseInt(url.searchParams.get('page') ?? '0', 10) || 0);
  const jobs = await app.list('failed', { start: page * FAILED_PAGE, end: (page + 1) * FAILED_PAGE - 1 });
  const rows = jobs
    .map((job) => {
      const error = job.error ?? { name: 'Error', message: 'unknown error' };
      const stack = metrics.stack(job.id);
      return `<tr><td>${jobLink(base, job.id)}</td><td>${e(job.data.task)}</td>
<td><b>${e(error.name)}${error.code ? ` (${e(error.code)})` : ''}</b>: ${e(truncate(error.message, 500))}
${stack ? `<details><summary>stack</summary><pre>${e(truncate(stack, 4000))}</pre></details>` : ''}</td>
<td><pre>${e(truncate(showJson(job.data.payload)))}</pre></td><td>${job.attemptsMade}/${job.attempts}</td>
<td>${showTime(job.finishedAt)}</td><td>${button(base, `/jobs/${encodeURIComponent(job.id)}/retry`, 'Retry')}
${button(base, `/jobs/${encodeURIComponent(job.id)}/delete`, 'Delete')}</td></tr>`;
    })
    .join('');
  const pager = [
    page > 0 ? `<a href="${e(`${base}/failed?page=${page - 1}`)}">newer</a>` : '',
    jobs.length === FAILED_PAGE ? `<a href="${e(`${base}/failed?page=${page + 1}`)}">older</a>` : '',
  ].join(' ');
  return {
    status: 200,
    title: 'Failed jobs',
    body: `${message(url.searchParams.get('message'))}${jobs.length > 0 ? button(base, '/failed/retry-all', 'Retry all') : ''}
<table><thead><tr><th>Job</th><th>Task</th><th>Error</th><th>Payload</th><th>Attempts</th><th>Failed at</th><th></th></tr></thead>
<tbody>${rows || '<tr><td colspan="7">No failed jobs.</td></tr>'}</tbody></table><p>${pager}</p>`,
  };
}

export async function schedules(app: TaskApp, base: string): Promise<View> {
  const list = await app.schedules();
  const lastJobs = await Promise.all(list.map((s) => (s.last ? app.backend.get(s.last.jobId) : undefined)));
  const rows = list
    .map((s, index) => {
      const spec = 'cron' in s.spec ? s.spec.cron : `every ${s.spec.every} ms`;
      const tz = 'cron' in s.spec ? (s.spec.tz ?? 'UTC') : '–';
      return `<tr><td>${e(s.id)}</td><td>${e(s.task)}</td><td><code>${e(spec)}</code></td><td>${e(tz)}</td>
<td>${showTime(s.next)}</td><td>${showTime(s.last?.at)}</td><td>${lastOutcome(s.last?.jobId, lastJobs[index], base)}</td>
<td><pre>${e(truncate(showJson(s.payload)))}</pre></td></tr>`;
    })
    .join('');
  return {
    status: 200,
    title: 'Schedules',
    body: `<table><thead><tr><th>Id</th><th>Task</th><th>Spec</th><th>Time zone</th><th>Next fire</th><th>Last fire</th>
<th>Last outcome</th><th>Payload</th></tr></thead>
<tbody>${rows || '<tr><td colspan="8">No schedules.</td></tr>'}</tbody></table>`,
  };
}

/** The status of the job a schedule's last tick enqueued, with its error when it failed. */
function lastOutcome(id: string | undefined, record: JobRecord | undefined, base: string): string {
  if (id === undefined) return '–';
  if (!record) return `${e(truncate(id, 60))}: removed`;
  const error = record.status === 'failed' && record.error ? `: ${e(truncate(record.error.message, 200))}` : '';
  return `<span data-outcome="${e(record.status)}">${e(record.status)}</span>${error} (${jobLink(base, id)})`;
}

export function job(
  record: JobRecord | undefined,
  id: string,
  metrics: DashboardMetrics,
  base: string,
  url: URL,
): View {
  if (!record) return notFound(`No job \`${id}\`: it was never enqueued here, or retention removed it.`);
  const stack = metrics.stack(record.id);
  const outcome =
    record.status === 'completed'
      ? `<h2>Result</h2><pre>${e(showJson(record.result, 2))}</pre>`
      : record.error
        ? `<h2>Error</h2><p><b>${e(record.error.name)}${record.error.code ? ` (${e(record.error.code)})` : ''}</b>: ${e(record.error.message)}</p>${stack ? `<pre>${e(stack)}</pre>` : ''}`
        : '';
  return {
    status: 200,
    title: `Job ${truncate(record.id, 60)}`,
    body: `${message(url.searchParams.get('message'))}<table>
<tr><th>Id</th><td>${e(record.id)}</td></tr><tr><th>Task</th><td>${e(record.data.task)}</td></tr>
<tr><th>Status</th><td data-status>${e(record.status)}</td></tr>
<tr><th>Attempts</th><td>${record.attemptsMade}/${record.attempts}</td></tr>
<tr><th>Created</th><td>${showTime(record.createdAt)}</td></tr><tr><th>Finished</th><td>${showTime(record.finishedAt)}</td></tr>
</table>${record.status === 'failed' ? button(base, `/jobs/${encodeURIComponent(record.id)}/retry`, 'Retry') : ''}
${FINISHED.has(record.status) ? button(base, `/jobs/${encodeURIComponent(record.id)}/delete`, 'Delete') : ''}
<h2>Payload</h2><pre>${e(showJson(record.data.payload, 2))}</pre>${outcome}`,
  };
}

export function notFound(text: string): View {
  return { status: 404, title: 'Not found', body: `<p>${e(text)}</p>` };
}

export function conflict(text: string): View {
  return { status: 409, title: 'Nothing done', body: message(text) };
}
