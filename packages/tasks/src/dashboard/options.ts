import { TaskApp } from '../app.js';
import { invalid, readOptions } from '../validate.js';

/** Options of {@link tasksDashboard}. */
export interface TasksDashboardOptions {
  /** The app whose jobs the dashboard shows (and whose events feed its charts). */
  app: TaskApp;
  /**
   * Called on every request (pages, live updates and actions); `false` answers 403. Required:
   * a dashboard that retries and deletes jobs is never open by default.
   * @example `authorize: (request) => sessions.isAdmin(request)`
   */
  authorize: (request: Request) => boolean | Promise<boolean>;
  /**
   * Path the dashboard is mounted at, without a trailing slash.
   * @defaultValue ''
   * @example `'/admin/tasks'`
   */
  basePath?: string | undefined;
  /**
   * Origins besides the request's own accepted on actions (POST), e.g. `https://example.com`
   * when a proxy makes `request.url` read `http://127.0.0.1:3000/…`.
   * @defaultValue []
   */
  trustedOrigins?: readonly string[] | undefined;
  /**
   * Least time between two live updates of one open page, in ms: events in between are coalesced.
   * @defaultValue 1000
   */
  liveInterval?: number | undefined;
}

/** Defaults of {@link TasksDashboardOptions}. */
export const TASKS_DASHBOARD_DEFAULTS = {
  basePath: '',
  trustedOrigins: [] as readonly string[],
  liveInterval: 1000,
} as const;

const KEYS = { app: true, authorize: true, basePath: true, trustedOrigins: true, liveInterval: true } as const;

export interface ResolvedDashboardOptions {
  app: TaskApp;
  authorize: (request: Request) => boolean | Promise<boolean>;
  basePath: string;
  trustedOrigins: ReadonlySet<string>;
  liveInterval: number;
}

export function resolveDashboardOptions(options: TasksDashboardOptions): ResolvedDashboardOptions {
  if (typeof options !== 'object' || options === null) invalid('options', 'an object { app, authorize }', options);
  const o = readOptions('tasksDashboard', options, KEYS, TASKS_DASHBOARD_DEFAULTS);
  if (!(o.app instanceof TaskApp)) invalid('app', 'a TaskApp (createTaskApp())', o.app);
  if (typeof o.authorize !== 'function') invalid('authorize', 'a function (request) => boolean', o.authorize);
  if (
    typeof o.basePath !== 'string' ||
    (o.basePath !== '' && (!o.basePath.startsWith('/') || o.basePath.endsWith('/')))
  ) {
    invalid('basePath', "a path starting with '/' and not ending with '/' (or '')", o.basePath);
  }
  if (!Array.isArray(o.trustedOrigins)) invalid('trustedOrigins', 'an array of origins', o.trustedOrigins);
  const origins = new Set<string>();
  for (const origin of o.trustedOrigins as unknown[]) {
    let parsed: string | undefined;
    try {
      parsed = typeof origin === 'string' ? new URL(origin).origin : undefined;
    } catch {}
    if (parsed === undefined || parsed === 'null' || parsed !== origin) {
      invalid('trustedOrigins', "an array of origins like 'https://example.com'", origin);
    }
    origins.add(parsed);
  }
  if (typeof o.liveInterval !== 'number' || !Number.isFinite(o.liveInterval) || o.liveInterval < 0) {
    invalid('liveInterval', 'a number of milliseconds from 0 and up', o.liveInterval);
  }
  return {
    app: o.app,
    authorize: o.authorize,
    basePath: o.basePath,
    trustedOrigins: origins,
    liveInterval: o.liveInterval,
  };
}
