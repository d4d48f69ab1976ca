/**
 * What the dashboard's browser tests (and the screenshot script) share: headless Chromium driven
 * by playwright-core, and the dashboard served over real HTTP by @hono/node-server.
 */
import { existsSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { createAdaptorServer } from '@hono/node-server';
import { type Browser, chromium } from 'playwright-core';
import type { TaskApp } from '../src/app.js';
import { type TasksDashboard, tasksDashboard } from '../src/dashboard/index.js';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const isCI = process.env.CI === 'true' || process.env.CI === '1';

/** Whether the browser tests can run; in CI a missing Chromium is an error, elsewhere a loud skip. */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  const message = `Chromium not found at ${CHROMIUM}: install it with \`apt-get install -y chromium\``;
  if (isCI) throw new Error(`${message} (required in CI)`);
  console.warn(`\n${'!'.repeat(80)}\n!! SKIPPING the tasks dashboard's browser tests. ${message}\n${'!'.repeat(80)}\n`);
  return false;
}

/** Headless Chromium (playwright gives each context a fresh profile). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** The cookie the test dashboard's `authorize` accepts. */
export const TOKEN = { name: 'dash-token', value: 'let-me-in' };
export const BASE = '/admin/tasks';

export interface ServedDashboard {
  /** `http://127.0.0.1:<port>` */
  origin: string;
  dashboard: TasksDashboard;
  /** Lets every request in (to show that the cross-site check alone refuses a POST). */
  allowAll: boolean;
  close(): Promise<void>;
}

/** Serves a dashboard of `app` at `BASE` on a free loopback port; `authorize` wants the {@link TOKEN} cookie. */
export async function serveDashboard(app: TaskApp, liveInterval = 50): Promise<ServedDashboard> {
  const served = { allowAll: false } as ServedDashboard;
  const dashboard = tasksDashboard({
    app,
    basePath: BASE,
    liveInterval,
    authorize: (request) =>
      served.allowAll || (request.headers.get('cookie') ?? '').split(/;\s*/).includes(`${TOKEN.name}=${TOKEN.value}`),
  });
  const server = await listen((request) => dashboard(request));
  served.dashboard = dashboard;
  served.origin = server.origin;
  served.close = async () => {
    dashboard.close();
    await server.close();
  };
  return served;
}

/** A Fetch handler on a free loopback port. */
export async function listen(
  fetch: (request: Request) => Response | Promise<Response>,
  hostname = '127.0.0.1',
): Promise<{ origin: string; close(): Promise<void> }> {
  const server = createAdaptorServer({ fetch });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    origin: `http://${hostname}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        (server as import('node:http').Server).closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}
