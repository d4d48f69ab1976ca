import type { DeployReport } from '@adv/deploy';
import type { AuditEntry } from './audit.js';
import { cell, escapeHtml, flatten, postButton, table } from './html.js';
import type { ResolvedAdminOptions } from './options.js';

/** A page's title and body (HTML). */
export interface Panel {
  title: string;
  body: string;
}

/** What the panels show beyond the dependencies: counters kept since start, the last deploy check. */
export interface PanelState {
  /** Since when the area counts. */
  since: Date;
  /** Cache `error` events since `since` (the fallback where the cache has no `stats()`). */
  cacheErrors: number;
  lastCacheError: string | undefined;
  lastDeployCheck: { at: Date; report: DeployReport } | { at: Date; error: string } | undefined;
}

/** A fresh state, counting the cache's `error` events from now on; `stop()` detaches. */
export function watchPanelState(o: ResolvedAdminOptions): { state: PanelState; stop: () => void } {
  const state: PanelState = {
    since: new Date(),
    cacheErrors: 0,
    lastCacheError: undefined,
    lastDeployCheck: undefined,
  };
  const stop = o.cache.on?.('error', (error) => {
    state.cacheErrors++;
    state.lastCacheError = error.message;
  });
  return { state, stop: stop ?? (() => {}) };
}

const verdict = (ok: boolean, text = ok ? 'ok' : 'failing') =>
  `<span class="${ok ? 'ok' : 'bad'}">${escapeHtml(text)}</span>`;

/** The readiness checks as rows: name, state, detail or error. */
async function readiness(o: ResolvedAdminOptions): Promise<{ ok: boolean; rows: string }> {
  const { ok, checks } = await o.health.run();
  const degradable = new Set(o.degradable);
  const rows = Object.entries(checks)
    .map(([name, result]) => {
      const state = result.ok ? verdict(true) : verdict(false, degradable.has(name) ? 'down (degraded)' : 'down');
      return `<tr><td>${escapeHtml(name)}</td><td>${state}</td><td>${cell(result.error ?? result.detail ?? '')}</td></tr>`;
    })
    .join('');
  return {
    ok,
    rows: `<table><thead><tr><th>Check</th><th>State</th><th>Detail</th></tr></thead><tbody>${rows}</tbody></table>`,
  };
}

export async function overviewPanel(o: ResolvedAdminOptions): Promise<Panel> {
  const [stats, health] = await Promise.all([o.tasks.stats().catch((error: Error) => error), readiness(o)]);
  const counts =
    stats instanceof Error
      ? `<p class="bad">The task backend did not answer: ${escapeHtml(stats.message)}</p>`
      : table(
          ['Waiting', 'Active', 'Delayed', 'Failed', 'Completed'],
          [[stats.waiting, stats.active, stats.delayed, stats.failed, stats.completed]],
        );
  return {
    title: 'Overview',
    body: `<h2>Readiness: ${verdict(health.ok)}</h2>${health.rows}<h2>Tasks</h2>${counts}
<p><a href="${escapeHtml(o.basePath)}/tasks/">Open the tasks dashboard</a> (live counts, failed jobs, schedules).</p>`,
  };
}

export async function healthPanel(o: ResolvedAdminOptions): Promise<Panel> {
  const health = await readiness(o);
  return {
    title: 'Health and readiness',
    body: `<p>What <code>/readyz</code> runs, now: ${verdict(health.ok, health.ok ? 'ready' : 'not ready')}.
Degradable checks (${escapeHtml(o.degradable.join(', ') || 'none')}) being down leaves <code>/readyz</code> at 200.</p>${health.rows}`,
  };
}

/** Stats as a two-column table, plus the hit ratio where the stats carry `totals.hits/misses`. */
function statsTable(stats: unknown): string {
  const totals = (stats as { totals?: { hits?: unknown; misses?: unknown } } | null)?.totals;
  let ratio = '';
  if (typeof totals?.hits === 'number' && typeof totals.misses === 'number') {
    const reads = totals.hits + totals.misses;
    ratio = `<p>Hit ratio: <strong>${reads === 0 ? 'no reads yet' : `${((100 * totals.hits) / reads).toFixed(1)}%`}</strong> of ${reads} keys read.</p>`;
  }
  return ratio + table(['Counter', 'Value'], flatten(stats));
}

export function cachePanel(o: ResolvedAdminOptions, state: PanelState): Panel {
  const { name, sharedAcrossProcesses } = o.cache.backendInfo;
  const info = table(['Backend', 'Shared across processes'], [[name, sharedAcrossProcesses ? 'yes' : 'no']]);
  let body: string;
  if (typeof o.cache.stats === 'function') {
    body = `${info}<h2>Counters</h2>${statsTable(o.cache.stats())}`;
  } else {
    // Seam: a cache without stats() (an older @adv/cache, another CacheLike) shows what it emits.
    body = `${info}<p>This cache has no <code>stats()</code>: hits and misses are not counted. Shown instead: its
<code>error</code> events since ${escapeHtml(state.since.toISOString())}.</p>${table(
      ['Errors', 'Last error'],
      [[state.cacheErrors, state.lastCacheError ?? '']],
    )}`;
  }
  return { title: 'Cache', body };
}

export function realtimePanel(o: ResolvedAdminOptions): Panel {
  const { name, sharedAcrossProcesses } = o.layer.backendInfo;
  const sockets = o.webSockets?.();
  const rows: unknown[][] = [
    ['Backend', name],
    ['Shared across processes', sharedAcrossProcesses ? 'yes' : 'no'],
    ['Open WebSocket connections (this process)', sockets ?? 'not known here (the server is not attached)'],
    ['Messages dropped', o.layer.dropped],
  ];
  const stats = typeof o.layer.stats === 'function' ? `<h2>Counters</h2>${statsTable(o.layer.stats())}` : '';
  return { title: 'Realtime', body: table(['', ''], rows) + stats };
}

export function deployPanel(o: ResolvedAdminOptions, state: PanelState, csrf: string): Panel {
  const last = state.lastDeployCheck;
  const button = postButton(`${o.basePath}/deploy/run`, csrf, 'Run check --deploy now');
  if (!last) return { title: 'Deploy checks', body: `<p>Not run since this process started.</p>${button}` };
  const when = `<p>Last run ${escapeHtml(last.at.toISOString())}.</p>`;
  if ('error' in last)
    return { title: 'Deploy checks', body: `${when}<p class="bad">It failed: ${cell(last.error)}</p>${button}` };
  const rows = (findings: DeployReport['findings']) => findings.map((f) => [f.level, f.id, f.message, f.hint ?? '']);
  const findings =
    last.report.findings.length === 0
      ? '<p class="ok">No findings: the deployment passes every check.</p>'
      : table(['Level', 'Id', 'Message', 'Hint'], rows(last.report.findings));
  const silenced =
    last.report.silenced.length === 0
      ? ''
      : `<h2>Silenced</h2>${table(['Level', 'Id', 'Message', 'Hint'], rows(last.report.silenced))}`;
  return { title: 'Deploy checks', body: `${when}${findings}${silenced}${button}` };
}

export async function backupsPanel(o: ResolvedAdminOptions, csrf: string): Promise<Panel> {
  if (!o.backups) {
    return {
      title: 'Backups',
      body: '<p>The database is a server (DATABASE_URL): back it up with its own tools (pg_dump, pgBackRest, your provider).</p>',
    };
  }
  const files = await o.backups.list();
  const name = (path: string) => path.split(/[\\/]/).pop() ?? path;
  const rows = files.map((b) => [b.at, b.bytes, name(b.file), b.media ? name(b.media) : '']);
  return {
    title: 'Backups',
    body: `${postButton(`${o.basePath}/backups/now`, csrf, 'Back up now')}${table(['Taken', 'Bytes', 'File', 'Media copy'], rows)}`,
  };
}

export function auditPanel(entries: readonly AuditEntry[]): Panel {
  const rows = entries.map((e) => [e.at, e.who, e.action, e.outcome, e.detail, e.client]);
  return {
    title: 'Audit',
    body: `<p>Every admin action of this process, newest first (the log keeps all of them).</p>${table(
      ['When', 'Who', 'Action', 'Outcome', 'Detail', 'Client'],
      rows,
    )}`,
  };
}
