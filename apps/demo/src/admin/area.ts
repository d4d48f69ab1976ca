import { csrfMiddleware, isSecureRequest } from '@adv/deploy';
import { tasksDashboard } from '@adv/tasks/dashboard';
import { type Middleware, pathnameOf } from '@adv/types';
import { AuditLog } from './audit.js';
import { escapeHtml, htmlResponse, layout } from './html.js';
import { type AdminAreaOptions, type ResolvedAdminOptions, resolveAdminOptions } from './options.js';
import {
  auditPanel,
  backupsPanel,
  cachePanel,
  deployPanel,
  healthPanel,
  overviewPanel,
  type Panel,
  type PanelState,
  realtimePanel,
  watchPanelState,
} from './panels.js';
import { SlidingWindowLimiter } from './rate-limit.js';
import {
  type AdminSession,
  PasswordVerifier,
  randomToken,
  readCookie,
  SessionSigner,
  Sessions,
  sameBytes,
} from './session.js';

/** The admin area as middleware: answers under its base path, passes every other request on. */
export interface AdminArea extends Middleware {
  /** Whether ADMIN_PASSWORD is set (otherwise every page says how to turn the area on). */
  readonly enabled: boolean;
  /** The audit trail of this process. */
  readonly audit: AuditLog;
  /** Ends the dashboard's live streams and listeners. */
  close(): void;
}

const SESSION_COOKIE = 'adv_admin_session';
const LOGIN_COOKIE = 'adv_admin_login';
/** Largest form body the area reads (a login or an action: a few fields). */
const MAX_FORM_BYTES = 16 * 1024;

/** What `?done=` on a redirect shows (codes, never text from the URL: no message injection). */
const DONE: Record<string, string> = {
  login: 'Signed in.',
  backup: 'Backup taken: it is listed below.',
  deploy: 'check --deploy ran: its findings are below.',
};

const redirect = (location: string, headers: Record<string, string> = {}) =>
  new Response(null, { status: 303, headers: { location, 'cache-control': 'no-store', ...headers } });

/** A request on its way through the area: who it is (if anyone) and how to record what it did. */
interface Visit {
  request: Request;
  url: URL;
  /** The path below the base path, `/` for the base itself. */
  path: string;
  client: string;
  session: AdminSession | undefined;
}

/**
 * The demo's `/admin/` area (issue #19): a login with ADMIN_PASSWORD, the tasks dashboard and
 * panels for cache, realtime, health, deploy checks, backups and the audit trail. See
 * `src/admin/README.md`.
 *
 * @example
 * ```ts
 * const admin = adminArea({ settings, tasks: tasks.app, cache, layer, health, deployCheck, backups, logger });
 * const handler = compose(securityMiddleware(settings), admin)(routes);
 * ```
 */
export function adminArea(options: AdminAreaOptions): AdminArea {
  const o = resolveAdminOptions(options);
  const audit = new AuditLog(o.logger, o.auditKeep);
  const password = o.settings.ADMIN_PASSWORD;
  if (password === undefined) return offArea(o, audit);

  const verifier = new PasswordVerifier(password, o.settings.SECRET_KEY);
  const signer = new SessionSigner(
    [o.settings.SECRET_KEY, ...(o.settings.SECRET_KEY_FALLBACKS ?? [])],
    verifier.hash(),
  );
  const limiter = new SlidingWindowLimiter(o.loginAttemptsPerMinute, 60_000);
  const originCheck = csrfMiddleware(o.settings);
  const sessions = new Sessions(signer, SESSION_COOKIE);
  const { state, stop: stopCacheErrors } = watchPanelState(o);
  const dashboard = tasksDashboard({
    app: o.tasks,
    basePath: `${o.basePath}/tasks`,
    authorize: async (request) => (await sessions.of(request)) !== undefined,
    // The dashboard takes exact origins only; the rest (`https://*.example.com`) pass the origin check before it.
    trustedOrigins: (o.settings.CSRF_TRUSTED_ORIGINS ?? []).filter(isExactOrigin),
  });
  const actions = adminActions(o, {
    audit,
    verifier,
    signer,
    limiter,
    state,
    revoke: (session) => sessions.revoke(session),
  });

  const inside = async (request: Request) => {
    const url = new URL(request.url);
    if (url.pathname === o.basePath) return redirect(`${o.basePath}/`);
    const visit: Visit = {
      request,
      url,
      path: url.pathname.slice(o.basePath.length),
      client: clientOf(o, request),
      session: await sessions.of(request),
    };
    const unsafe = request.method !== 'GET' && request.method !== 'HEAD';
    if (unsafe) {
      // The demo's own CSRF check (Origin / Referer against the site's origin) on every action.
      const passed = new Response(null, { status: 204 });
      const verdict = await originCheck(request, async () => passed);
      if (verdict !== passed) {
        actions.record(
          visit,
          `${request.method} ${visit.path}`,
          'refused',
          'cross-site request (Origin/Referer check)',
        );
        return actions.page(visit, { title: 'Forbidden', body: '<p>Cross-site request refused.</p>' }, 403);
      }
    }
    if (visit.path === '/login') return unsafe ? actions.login(visit) : actions.loginForm(visit);
    if (!visit.session) {
      if (unsafe) {
        actions.record(visit, `${request.method} ${visit.path}`, 'refused', 'not signed in');
        return actions.page(visit, { title: 'Forbidden', body: '<p>Sign in first.</p>' }, 403);
      }
      return redirect(`${o.basePath}/login`);
    }
    if (visit.path === '/tasks' || visit.path.startsWith('/tasks/')) return actions.tasks(visit, dashboard);
    return unsafe ? actions.act(visit) : actions.view(visit);
  };
  // A plain function: requests outside the area pass through without a promise of their own.
  const area = function adminArea(request: Request, next: (request: Request) => Promise<Response>) {
    return inArea(pathnameOf(request), o.basePath) ? inside(request) : next(request);
  } as AdminArea;
  return Object.assign(area, {
    enabled: true,
    audit,
    close() {
      stopCacheErrors();
      dashboard.close();
    },
  });
}

/** Without ADMIN_PASSWORD: every address of the area answers how to turn it on; nothing else is reachable. */
function offArea(o: ResolvedAdminOptions, audit: AuditLog): AdminArea {
  const body = `<p>The admin area is off: no <code>ADMIN_PASSWORD</code> is set.</p>
<p>To turn it on, set <code>ADMIN_PASSWORD</code> (12 characters or more; a long random phrase) in the
environment of the app and restart it, then sign in at <code>${escapeHtml(o.basePath)}/</code>. Serve it over
HTTPS: the session cookie is then marked Secure.</p>`;
  const area = function adminArea(request: Request, next: (request: Request) => Promise<Response>) {
    if (!inArea(pathnameOf(request), o.basePath)) return next(request);
    return Promise.resolve(htmlResponse(layout({ base: o.basePath, title: 'Admin area is off', body }), 404));
  } as AdminArea;
  return Object.assign(area, { enabled: false, audit, close() {} });
}

/** Whether `pathname` is the area's base path or under it. */
function inArea(pathname: string, basePath: string): boolean {
  return pathname === basePath || pathname.startsWith(`${basePath}/`);
}

/** Whether `entry` is an origin as the tasks dashboard accepts it (`https://example.com`, no wildcard or path). */
function isExactOrigin(entry: string): boolean {
  try {
    return new URL(entry).origin === entry;
  } catch {
    return false;
  }
}

/** The client a login attempt counts against (see `AdminAreaOptions.clientKey`). */
function clientOf(o: ResolvedAdminOptions, request: Request): string {
  if (o.clientKey) return o.clientKey(request);
  if (!o.settings.BEHIND_PROXY && !o.settings.SECURE_PROXY_SSL_HEADER) return 'direct';
  const forwarded = request.headers.get('x-forwarded-for');
  return forwarded?.split(',').pop()?.trim() || 'direct';
}

interface ActionDeps {
  audit: AuditLog;
  verifier: PasswordVerifier;
  signer: SessionSigner;
  limiter: SlidingWindowLimiter;
  state: PanelState;
  /** Refuses a session from now on (logout). */
  revoke: (session: AdminSession) => void;
}

/** The area's pages and actions, sharing the options and the session machinery. */
function adminActions(o: ResolvedAdminOptions, deps: ActionDeps) {
  const { audit, signer } = deps;
  const who = (visit: Visit) => (visit.session ? `admin#${visit.session.id.slice(0, 8)}` : 'anonymous');
  const secure = (request: Request) =>
    isSecureRequest(request, o.settings) || o.settings.SESSION_COOKIE_SECURE === true;
  const cookie = (request: Request, name: string, value: string, path: string, maxAge: number) =>
    `${name}=${value}; Path=${path}; Max-Age=${maxAge}; HttpOnly; SameSite=Strict${secure(request) ? '; Secure' : ''}`;

  const record = (visit: Visit, action: string, outcome: 'ok' | 'refused' | 'failed', detail: string) =>
    audit.record({ who: who(visit), action, outcome, detail, client: visit.client });

  const page = async (visit: Visit, panel: Panel, status = 200, headers: Record<string, string> = {}) => {
    const nav = visit.session ? { csrf: await signer.csrfToken(visit.session) } : undefined;
    const message = DONE[visit.url.searchParams.get('done') ?? ''];
    return htmlResponse(layout({ base: o.basePath, ...panel, message, nav }), status, headers);
  };

  /** The form's fields, or `undefined` for a body that is too big or not a form. */
  const readForm = async (request: Request): Promise<URLSearchParams | undefined> => {
    if (Number(request.headers.get('content-length') ?? 0) > MAX_FORM_BYTES) return undefined;
    const text = await request.text().catch(() => undefined);
    if (text === undefined || text.length > MAX_FORM_BYTES) return undefined;
    return new URLSearchParams(text);
  };

  const loginForm = (visit: Visit, error?: string, status = 200) => {
    if (visit.session && !error) return Promise.resolve(redirect(`${o.basePath}/`));
    const token = randomToken();
    const problem = error ? `<p class="bad" role="alert">${escapeHtml(error)}</p>` : '';
    const body = `${problem}<form method="post" action="${escapeHtml(o.basePath)}/login">
<input type="hidden" name="csrf" value="${escapeHtml(token)}">
<label>Password <input type="password" name="password" autocomplete="current-password" required autofocus></label>
<button type="submit">Sign in</button></form>`;
    const set = cookie(visit.request, LOGIN_COOKIE, token, `${o.basePath}/login`, 3600);
    return page({ ...visit, session: undefined }, { title: 'Sign in', body }, status, { 'set-cookie': set });
  };

  const login = async (visit: Visit) => {
    const limit = deps.limiter.take(visit.client);
    if (!limit.ok) {
      record(visit, 'login', 'refused', `rate limited: more than ${o.loginAttemptsPerMinute} attempts in a minute`);
      const body = `<p>Too many sign-in attempts. Try again in ${limit.retryAfter} seconds.</p>`;
      return page(visit, { title: 'Too many attempts', body }, 429, { 'retry-after': String(limit.retryAfter) });
    }
    const form = await readForm(visit.request);
    const expected = readCookie(visit.request, LOGIN_COOKIE) ?? '';
    const given = form?.get('csrf') ?? '';
    if (expected === '' || !sameBytes(Buffer.from(expected), Buffer.from(given))) {
      record(visit, 'login', 'refused', 'CSRF token missing or wrong (reload the sign-in page)');
      return loginForm(visit, 'The form expired or was not sent by this page: sign in again.', 403);
    }
    if (!(await deps.verifier.verify(form?.get('password') ?? ''))) {
      record(visit, 'login', 'refused', 'wrong password');
      return loginForm(visit, 'Wrong password.', 401);
    }
    deps.limiter.reset(visit.client);
    const { value, session } = await signer.issue(o.sessionMaxAgeSeconds * 1000);
    record({ ...visit, session }, 'login', 'ok', '');
    return redirect(`${o.basePath}/?done=login`, {
      'set-cookie': cookie(visit.request, SESSION_COOKIE, value, o.basePath, o.sessionMaxAgeSeconds),
    });
  };

  return {
    record,
    page,
    readForm,
    loginForm,
    login,
    ...sessionActions(o, { ...deps, record, page, readForm, cookie }),
  };
}

type Shared = ActionDeps & {
  record: (visit: Visit, action: string, outcome: 'ok' | 'refused' | 'failed', detail: string) => unknown;
  page: (visit: Visit, panel: Panel, status?: number, headers?: Record<string, string>) => Promise<Response>;
  readForm: (request: Request) => Promise<URLSearchParams | undefined>;
  cookie: (request: Request, name: string, value: string, path: string, maxAge: number) => string;
};

/** What a signed-in admin sees and does: panels, actions, the tasks dashboard. */
function sessionActions(o: ResolvedAdminOptions, s: Shared) {
  const { backUpNow, runDeployCheck } = operations(o, s);
  const view = async (visit: Visit) => {
    const csrf = await s.signer.csrfToken(visit.session!);
    const panels: Record<string, () => Panel | Promise<Panel>> = {
      '/': () => overviewPanel(o),
      '/cache': () => cachePanel(o, s.state),
      '/realtime': () => realtimePanel(o),
      '/health': () => healthPanel(o),
      '/deploy': () => deployPanel(o, s.state, csrf),
      '/backups': () => backupsPanel(o, csrf),
      '/audit': () => auditPanel(s.audit.list()),
    };
    const panel = panels[visit.path];
    if (!panel) return s.page(visit, { title: 'Not found', body: '<p>No such page in the admin area.</p>' }, 404);
    return s.page(visit, await panel());
  };

  const act = async (visit: Visit) => {
    const action = `POST ${visit.path}`;
    const form = await s.readForm(visit.request);
    if (!(await s.signer.checkCsrf(visit.session!, form?.get('csrf') ?? ''))) {
      s.record(visit, action, 'refused', 'CSRF token missing or wrong');
      return s.page(visit, { title: 'Forbidden', body: '<p>CSRF token missing or wrong: reload the page.</p>' }, 403);
    }
    if (visit.path === '/logout') {
      s.revoke(visit.session!);
      s.record(visit, 'logout', 'ok', '');
      return redirect(`${o.basePath}/login`, {
        'set-cookie': s.cookie(visit.request, SESSION_COOKIE, '', o.basePath, 0),
      });
    }
    if (visit.path === '/backups/now') return backUpNow(visit);
    if (visit.path === '/deploy/run') return runDeployCheck(visit);
    s.record(visit, action, 'refused', 'no such action');
    return s.page(visit, { title: 'Not found', body: '<p>No such action.</p>' }, 404);
  };

  /** The tasks dashboard: its actions audited, its live stream ended when the app shuts down. */
  const tasks = async (visit: Visit, dashboard: (request: Request) => Promise<Response>) => {
    const response = await dashboard(visit.request);
    if (visit.request.method === 'POST') {
      const outcome = response.status < 400 ? 'ok' : response.status < 500 ? 'refused' : 'failed';
      const location = response.headers.get('location');
      const message = location ? new URL(location, visit.url).searchParams.get('message') : null;
      s.record(
        visit,
        `tasks: POST ${visit.path.slice('/tasks'.length)}`,
        outcome,
        message ?? `HTTP ${response.status}`,
      );
    }
    if (!response.body || !response.headers.get('content-type')?.startsWith('text/event-stream')) return response;
    return new Response(response.body.pipeThrough(endOnShutdown(o)), response);
  };

  return { view, act, tasks };
}

/** The two operations of the panels: back up now, run check --deploy. */
function operations(o: ResolvedAdminOptions, s: Shared) {
  const backUpNow = async (visit: Visit) => {
    if (!o.backups) {
      s.record(visit, 'backup', 'refused', 'the database has no backups here (a server database)');
      return s.page(visit, { title: 'Backups', body: '<p>This database is not backed up by the app.</p>' }, 409);
    }
    try {
      const taken = await o.backups.backUpNow();
      const media = taken.media ? `, ${taken.mediaFiles ?? 0} media files to ${taken.media}` : '';
      s.record(visit, 'backup', 'ok', `${taken.file} (${taken.bytes} bytes)${media}`);
      return redirect(`${o.basePath}/backups?done=backup`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      s.record(visit, 'backup', 'failed', message);
      return s.page(visit, { title: 'Backup failed', body: `<p class="bad">${escapeHtml(message)}</p>` }, 500);
    }
  };

  const runDeployCheck = async (visit: Visit) => {
    try {
      const report = await o.deployCheck();
      s.state.lastDeployCheck = { at: new Date(), report };
      const errors = report.findings.filter((f) => f.level === 'error' || f.level === 'critical').length;
      s.record(visit, 'deploy-check', 'ok', `${report.findings.length} findings, ${errors} errors`);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      s.state.lastDeployCheck = { at: new Date(), error: message };
      s.record(visit, 'deploy-check', 'failed', message);
    }
    return redirect(`${o.basePath}/deploy?done=deploy`);
  };

  return { backUpNow, runDeployCheck };
}

/**
 * Passes a live stream through until the app begins shutting down, then ends it at its next
 * chunk (the dashboard writes at least a ping per second), so an open dashboard does not hold a
 * stopping server's in-flight budget.
 */
function endOnShutdown(o: ResolvedAdminOptions): TransformStream<Uint8Array, Uint8Array> {
  return new TransformStream({
    transform(chunk, controller) {
      if (o.health.shuttingDown) controller.terminate();
      else controller.enqueue(chunk);
    },
  });
}
