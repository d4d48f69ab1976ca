import { compose, type Logger } from '@adv/types';
import { type AdminArea, type AdminAreaOptions, adminArea, demoAdminOptions } from '../src/admin/index.js';
import { testDemo } from './helpers.js';

export const PASSWORD = 'correct horse battery staple';
export const BASE = 'http://localhost';

/** One log call, as the admin area made it. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  fields: unknown;
  message: unknown;
}

/** A logger that keeps every call (to assert on the audit log and on what is never logged). */
export function capturingLogger(): Logger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (fields: unknown, message?: unknown): void => {
      lines.push({ level, fields, message });
    };
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/**
 * A test demo with an admin area of our own in its middleware stack, where app.ts mounts one
 * (before the CSRF middleware; a mounted one is replaced): ADMIN_PASSWORD and the rest of the
 * options can be set per test without going through the environment.
 */
export async function adminDemo(overrides: Partial<AdminAreaOptions> = {}, env: Record<string, string> = {}) {
  const demo = await testDemo({}, env);
  const logger = capturingLogger();
  const options = demoAdminOptions({
    config: demo.config,
    db: demo.db,
    cache: demo.cache,
    tasks: demo.tasks,
    layer: demo.layer,
    health: demo.health,
    logger,
    media: demo.media,
    degradable: ['cache', 'tasks', 'channels'],
  });
  const admin: AdminArea = adminArea({
    ...options,
    settings: { ...demo.config.settings, ADMIN_PASSWORD: PASSWORD },
    ...overrides,
  });
  const stack = demo.middleware.filter((middleware) => middleware.name !== 'adminArea');
  const at = stack.findIndex((middleware) => middleware.name === 'csrfMiddleware');
  if (at === -1) throw new Error('the demo has no csrfMiddleware to mount the admin area before');
  stack.splice(at, 0, admin);
  const handler = compose(...stack)(demo.routes);
  return {
    demo,
    admin,
    logger,
    handler,
    async cleanup() {
      admin.close();
      await demo.cleanup();
    },
  };
}

/** The `name=value` of a Set-Cookie header, or undefined. */
export function cookieValue(response: Response, name: string): string | undefined {
  for (const line of response.headers.getSetCookie()) {
    const [pair] = line.split(';');
    if (pair?.startsWith(`${name}=`)) return pair.slice(name.length + 1);
  }
  return undefined;
}

/** The value of the `csrf` hidden field on a page. */
export function csrfField(html: string): string {
  const match = /name="csrf" value="([^"]+)"/.exec(html);
  if (!match) throw new Error(`no csrf field on the page:\n${html.slice(0, 500)}`);
  return match[1]!;
}
