import { existsSync } from 'node:fs';
import type { Handler } from '@adv/types';
import { afterAll, beforeAll, describe, expect, it, onTestFinished, vi } from 'vitest';
import { cell, flatten } from '../src/admin/html.js';
import { AdminOptionError, adminArea } from '../src/admin/index.js';
import { resolveAdminOptions } from '../src/admin/options.js';
import { cachePanel, watchPanelState } from '../src/admin/panels.js';
import { SlidingWindowLimiter } from '../src/admin/rate-limit.js';
import { PasswordVerifier, SessionSigner } from '../src/admin/session.js';
import { listBackups } from '../src/db/backup.js';
import { adminDemo, BASE, cookieValue, csrfField, PASSWORD } from './admin-helpers.js';
import { testDemo } from './helpers.js';

type AdminDemo = Awaited<ReturnType<typeof adminDemo>>;

// Every sign-in runs scrypt (32 MiB) and most tests here build a demo or two: seconds on a quiet
// machine, but 'refuses a wrong password' took 23 s of the default 30 s bound in a CI run at load
// 25 (ci14). The bound stops a hang; it does not time scrypt.
const SIGN_IN_BOUND = { timeout: 120_000 };

const SAME_ORIGIN = { origin: BASE };

function get(handler: Handler, path: string, cookie = '', headers: Record<string, string> = {}) {
  return handler(new Request(`${BASE}${path}`, { headers: { ...(cookie ? { cookie } : {}), ...headers } }));
}

function post(
  handler: Handler,
  path: string,
  fields: Record<string, string>,
  cookie = '',
  headers: Record<string, string> = SAME_ORIGIN,
) {
  return handler(
    new Request(`${BASE}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...(cookie ? { cookie } : {}), ...headers },
      body: new URLSearchParams(fields).toString(),
    }),
  );
}

/** Opens the sign-in form and posts `password`: the response and the cookie header to send next. */
async function signIn(handler: Handler, password = PASSWORD, headers: Record<string, string> = {}) {
  const form = await get(handler, '/admin/login', '', headers);
  expect(form.status).toBe(200);
  const loginCookie = `adv_admin_login=${cookieValue(form, 'adv_admin_login')}`;
  const response = await post(handler, '/admin/login', { csrf: csrfField(await form.text()), password }, loginCookie, {
    ...SAME_ORIGIN,
    ...headers,
  });
  const session = cookieValue(response, 'adv_admin_session');
  return { response, cookie: session ? `adv_admin_session=${session}` : '' };
}

/** A signed-in session and the CSRF token its pages carry. */
async function session(handler: Handler) {
  const { cookie } = await signIn(handler);
  const page = await get(handler, '/admin/backups', cookie);
  expect(page.status).toBe(200);
  return { cookie, csrf: csrfField(await page.text()) };
}

describe('the admin area without ADMIN_PASSWORD', () => {
  it('answers every address with how to turn it on, and nothing else', async () => {
    const demo = await testDemo();
    const admin = adminArea({
      settings: demo.config.settings,
      tasks: demo.tasks.app,
      cache: demo.cache,
      layer: demo.layer,
      health: demo.health,
      deployCheck: () => Promise.reject(new Error('must not run')),
      logger: demo.logger,
    });
    const handler: Handler = (request) => admin(request, async (inner) => demo.handler(inner));
    try {
      expect(admin.enabled).toBe(false);
      for (const path of [
        '/admin/',
        '/admin',
        '/admin/login',
        '/admin/tasks/',
        '/admin/tasks/events',
        '/admin/audit',
      ]) {
        const response = await get(handler, path);
        expect(response.status, path).toBe(404);
        expect(await response.text(), path).toContain('ADMIN_PASSWORD');
      }
      const action = await post(handler, '/admin/backups/now', { csrf: 'x' });
      expect(action.status).toBe(404);
      expect(listBackups(demo.config.backup.dir)).toEqual([]);
      // The rest of the app is untouched.
      expect((await get(handler, '/')).status).toBe(200);
    } finally {
      admin.close();
      await demo.cleanup();
    }
  });
});

describe('the admin area in the demo (app.ts)', SIGN_IN_BOUND, () => {
  it('is mounted at /admin/: off without ADMIN_PASSWORD, a sign-in form with it', async () => {
    const off = await testDemo();
    try {
      const response = await get(off.handler, '/admin/');
      expect(response.status).toBe(404);
      expect(await response.text()).toContain('ADMIN_PASSWORD');
    } finally {
      await off.cleanup();
    }
    const on = await testDemo({}, { ADMIN_PASSWORD: PASSWORD });
    try {
      expect((await get(on.handler, '/admin/tasks/')).headers.get('location')).toBe('/admin/login');
      const { response, cookie } = await signIn(on.handler);
      expect(response.status).toBe(303);
      expect((await get(on.handler, '/admin/tasks/', cookie)).status).toBe(200);
      // The demo's middleware (security headers) wraps it.
      expect((await get(on.handler, '/admin/login')).headers.get('x-frame-options')).toBe('DENY');
    } finally {
      await on.cleanup();
    }
  });
});

describe('the admin area', SIGN_IN_BOUND, () => {
  let t: AdminDemo;
  beforeAll(async () => {
    t = await adminDemo();
  });
  afterAll(() => t?.cleanup());

  it('refuses every page and action without a login', async () => {
    for (const path of ['/admin/', '/admin/cache', '/admin/audit', '/admin/tasks/', '/admin/tasks/events']) {
      const response = await get(t.handler, path);
      expect(response.status, path).toBe(303);
      expect(response.headers.get('location'), path).toBe('/admin/login');
    }
    for (const path of ['/admin/backups/now', '/admin/deploy/run', '/admin/tasks/failed/retry-all']) {
      const response = await post(t.handler, path, { csrf: 'anything' });
      expect(response.status, path).toBe(403);
    }
    expect(listBackups(t.demo.config.backup.dir)).toEqual([]);
    expect(t.admin.audit.list()[0]).toMatchObject({ who: 'anonymous', outcome: 'refused', detail: 'not signed in' });
  });

  it('signs in with the password: an HttpOnly, SameSite=Strict session cookie on /admin, Secure over HTTPS only', async () => {
    const { response, cookie } = await signIn(t.handler);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/admin/?done=login');
    const set = response.headers.getSetCookie().find((line) => line.startsWith('adv_admin_session='))!;
    expect(set).toMatch(/; Path=\/admin; Max-Age=28800; HttpOnly; SameSite=Strict$/);
    const overview = await get(t.handler, response.headers.get('location')!, cookie);
    expect(overview.status).toBe(200);
    const html = await overview.text();
    expect(html).toContain('Signed in.');
    expect(html).toContain('Readiness');
    expect(overview.headers.get('cache-control')).toBe('no-store');

    const https = await signIn(
      (request) => t.handler(new Request(request.url.replace('http:', 'https:'), request)),
      PASSWORD,
      { origin: 'https://localhost' },
    );
    expect(https.response.status).toBe(303);
    expect(https.response.headers.getSetCookie().find((l) => l.startsWith('adv_admin_session='))).toMatch(/; Secure$/);
  });

  it('refuses a wrong password, logs who tried, and never logs the password', async () => {
    const limited = await adminDemo({ loginAttemptsPerMinute: 50 });
    try {
      const { response, cookie } = await signIn(limited.handler, 'not the password at all');
      expect(response.status).toBe(401);
      expect(cookie).toBe('');
      expect(await response.text()).toContain('Wrong password.');
      expect(limited.admin.audit.list()[0]).toMatchObject({
        action: 'login',
        outcome: 'refused',
        detail: 'wrong password',
      });
      await signIn(limited.handler);
      const logged = JSON.stringify(limited.logger.lines);
      expect(logged).toContain('wrong password');
      expect(logged).not.toContain(PASSWORD);
      expect(logged).not.toContain('not the password at all');
    } finally {
      await limited.cleanup();
    }
  });

  // Eight scrypt runs (32 MiB each): tens of ms apiece on a quiet machine, past the default 30 s
  // test bound in a CI run at load 25. The bound stops a hang; it does not time scrypt.
  it('rate-limits sign-in attempts per client: 429 with Retry-After, even for the right password', {
    timeout: 300_000,
  }, async () => {
    // The clock stands still, so a slow machine cannot spread the six tries over more than the
    // limiter's one-minute window.
    vi.useFakeTimers({ toFake: ['Date'] });
    onTestFinished(() => {
      vi.useRealTimers();
    });
    const limited = await adminDemo({ clientKey: (request) => request.headers.get('x-test-client') ?? 'none' });
    try {
      const client = { 'x-test-client': 'a' };
      for (let i = 0; i < 5; i++)
        expect((await signIn(limited.handler, 'wrong password!', client)).response.status).toBe(401);
      const refused = await signIn(limited.handler, PASSWORD, client);
      expect(refused.response.status).toBe(429);
      expect(refused.cookie).toBe('');
      const retryAfter = Number(refused.response.headers.get('retry-after'));
      expect(retryAfter).toBeGreaterThanOrEqual(1);
      expect(retryAfter).toBeLessThanOrEqual(60);
      expect(limited.admin.audit.list()[0]).toMatchObject({ action: 'login', outcome: 'refused', client: 'a' });
      expect(limited.admin.audit.list()[0]!.detail).toContain('rate limited');
      // Another client is not affected.
      expect((await signIn(limited.handler, PASSWORD, { 'x-test-client': 'b' })).response.status).toBe(303);
    } finally {
      await limited.cleanup();
    }
  });

  it('refuses actions whose CSRF token is missing or wrong, and cross-site ones', async () => {
    const { cookie, csrf } = await session(t.handler);
    const cases: [string, Record<string, string>, Record<string, string>][] = [
      ['no token', {}, SAME_ORIGIN],
      ['wrong token', { csrf: `${csrf.slice(0, -2)}xx` }, SAME_ORIGIN],
      ['cross-site', { csrf }, { origin: 'https://evil.example' }],
      ['no Origin or Referer', { csrf }, {}],
    ];
    for (const [what, fields, headers] of cases) {
      const response = await post(t.handler, '/admin/backups/now', fields, cookie, headers);
      expect(response.status, what).toBe(403);
    }
    // The tasks dashboard's actions go through the same origin check.
    const retry = await post(t.handler, '/admin/tasks/failed/retry-all', {}, cookie, {
      origin: 'https://evil.example',
    });
    expect(retry.status).toBe(403);
    // The sign-in form needs its own token (login CSRF).
    const login = await post(t.handler, '/admin/login', { password: PASSWORD });
    expect(login.status).toBe(403);
    expect(cookieValue(login, 'adv_admin_session')).toBeUndefined();
    expect(listBackups(t.demo.config.backup.dir)).toEqual([]);
    const refusals = t.admin.audit.list().slice(0, 3);
    expect(refusals.every((entry) => entry.outcome === 'refused')).toBe(true);
  });

  it('refuses a tampered, foreign, expired or logged-out session', async () => {
    const { cookie } = await session(t.handler);
    const value = cookie.slice('adv_admin_session='.length);
    const [payload, mac] = value.split('.') as [string, string];
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as { id: string; exp: number };
    const longer = Buffer.from(JSON.stringify({ ...claims, exp: claims.exp + 1e9 })).toString('base64url');
    const flipped = `${mac.slice(0, 10)}${mac[10] === 'A' ? 'B' : 'A'}${mac.slice(11)}`;
    const foreignKey = new SessionSigner(
      ['another-secret-key-another-secret-key-0123456789'],
      new PasswordVerifier(PASSWORD, 'another-secret-key-another-secret-key-0123456789').hash(),
    );
    const foreign = (await foreignKey.issue(3_600_000)).value;
    const verifier = new PasswordVerifier(PASSWORD, t.demo.config.settings.SECRET_KEY);
    const ours = new SessionSigner([t.demo.config.settings.SECRET_KEY], verifier.hash());
    const expired = (await ours.issue(60_000, Date.now() - 120_000)).value;
    const otherPassword = (
      await new SessionSigner(
        [t.demo.config.settings.SECRET_KEY],
        new PasswordVerifier('a different admin password', t.demo.config.settings.SECRET_KEY).hash(),
      ).issue(3_600_000)
    ).value;
    // A session our signer issues now is accepted (so the refusals below are about what was changed).
    expect((await get(t.handler, '/admin/', `adv_admin_session=${(await ours.issue(60_000)).value}`)).status).toBe(200);
    for (const [what, forged] of [
      ['payload changed', `${longer}.${mac}`],
      ['signature changed', `${payload}.${flipped}`],
      ['signed with another SECRET_KEY', foreign],
      ['expired', expired],
      ['from another ADMIN_PASSWORD', otherPassword],
      ['garbage', 'x.y'],
    ]) {
      const response = await get(t.handler, '/admin/', `adv_admin_session=${forged}`);
      expect(response.status, what).toBe(303);
      expect((await get(t.handler, '/admin/tasks/', `adv_admin_session=${forged}`)).status, what).toBe(303);
    }
    // Logout clears the cookie and refuses the old value from then on.
    const page = await get(t.handler, '/admin/', cookie);
    const logout = await post(t.handler, '/admin/logout', { csrf: csrfField(await page.text()) }, cookie);
    expect(logout.status).toBe(303);
    expect(logout.headers.getSetCookie().find((l) => l.startsWith('adv_admin_session='))).toContain('Max-Age=0');
    expect((await get(t.handler, '/admin/', cookie)).status).toBe(303);
    expect(t.admin.audit.list()[0]).toMatchObject({ action: 'logout', outcome: 'ok' });
  });

  it('backs up now (POST + CSRF): the file is taken, listed and audited', async () => {
    const { cookie, csrf } = await session(t.handler);
    const response = await post(t.handler, '/admin/backups/now', { csrf }, cookie);
    expect(response.status).toBe(303);
    expect(response.headers.get('location')).toBe('/admin/backups?done=backup');
    const [taken] = listBackups(t.demo.config.backup.dir);
    expect(taken && existsSync(taken.file)).toBe(true);
    const page = await (await get(t.handler, '/admin/backups?done=backup', cookie)).text();
    expect(page).toContain('Backup taken');
    expect(page).toContain(taken!.file.split('/').pop());
    const entry = t.admin.audit.list()[0]!;
    expect(entry).toMatchObject({ action: 'backup', outcome: 'ok' });
    expect(entry.who).toMatch(/^admin#[\w-]{8}$/);
    expect(entry.detail).toContain(taken!.file);
    // The uploaded files are copied beside it, as the scheduled backup task does.
    expect(taken!.media && existsSync(taken!.media)).toBe(true);
    expect(entry.detail).toContain(`media files to ${taken!.media}`);
  });

  it('records every action on the audit page and in the log, escaped', async () => {
    const proxied = await adminDemo({}, { BEHIND_PROXY: 'true' });
    try {
      const client = { 'x-forwarded-for': '203.0.113.9, <script>alert(1)</script>' };
      await signIn(proxied.handler, 'wrong password!', client);
      const { cookie, csrf } = await session(proxied.handler);
      expect((await post(proxied.handler, '/admin/tasks/failed/retry-all', {}, cookie)).status).toBe(303);
      expect((await post(proxied.handler, '/admin/deploy/run', { csrf }, cookie)).status).toBe(303);
      const html = await (await get(proxied.handler, '/admin/audit', cookie)).text();
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
      for (const action of ['login', 'deploy-check', 'tasks: POST /failed/retry-all']) expect(html).toContain(action);
      const actions = proxied.logger.lines.filter((line) => line.message === 'admin action');
      expect(actions.map((line) => (line.fields as { admin: { action: string } }).admin.action)).toEqual([
        'login',
        'login',
        'tasks: POST /failed/retry-all',
        'deploy-check',
      ]);
      expect(actions[0]!.level).toBe('warn');
      expect(actions[1]).toMatchObject({ level: 'info', fields: { admin: { outcome: 'ok' } } });
      // The deploy check ran as `npm run check` does, and its findings are on the page.
      const deploy = await (await get(proxied.handler, '/admin/deploy', cookie)).text();
      expect(deploy).toContain('Last run');
      expect(deploy).toMatch(/<td>(info|warning|error|critical)<\/td>|No findings/);
    } finally {
      await proxied.cleanup();
    }
  });

  it('shows the cache, realtime, health and tasks panels', async () => {
    const { cookie } = await session(t.handler);
    const cache = await (await get(t.handler, '/admin/cache', cookie)).text();
    expect(cache).toContain('@adv/cache:memory');
    const realtime = await (await get(t.handler, '/admin/realtime', cookie)).text();
    expect(realtime).toContain('Messages dropped');
    const health = await (await get(t.handler, '/admin/health', cookie)).text();
    for (const check of ['database', 'cache', 'tasks', 'channels']) expect(health).toContain(`<td>${check}</td>`);
    const tasks = await get(t.handler, '/admin/tasks/', cookie);
    expect(tasks.status).toBe(200);
    expect(await tasks.text()).toContain('data-state="waiting"');
    expect((await get(t.handler, '/admin/nope', cookie)).status).toBe(404);
  });
});

describe('the admin area mounted by createDemo', SIGN_IN_BOUND, () => {
  it('counts open WebSockets once the server tells it how (start.ts: countWebSockets)', async () => {
    const demo = await testDemo({}, { ADMIN_PASSWORD: PASSWORD });
    try {
      const { cookie } = await session(demo.handler);
      const before = await (await get(demo.handler, '/admin/realtime', cookie)).text();
      expect(before).toContain('not known here');
      demo.countWebSockets(() => 7);
      const after = await (await get(demo.handler, '/admin/realtime', cookie)).text();
      expect(after).toMatch(/Open WebSocket connections \(this process\)<\/td><td>7<\/td>/);
    } finally {
      await demo.cleanup();
    }
  });
});

describe('the admin area while the app shuts down', SIGN_IN_BOUND, () => {
  it('ends the tasks dashboard live stream, so it does not hold a stopping server open', async () => {
    const t = await adminDemo();
    try {
      const { cookie } = await signIn(t.handler);
      const response = await get(t.handler, '/admin/tasks/events', cookie);
      expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
      const reader = response.body!.getReader();
      const first = new TextDecoder().decode((await reader.read()).value);
      expect(first).toMatch(/^event: update/);
      t.demo.health.beginShutdown();
      // The stream ends at its next chunk (the dashboard writes at least a ping per second).
      let result = await reader.read();
      while (!result.done) result = await reader.read();
      expect(result.done).toBe(true);
    } finally {
      await t.cleanup();
    }
  });
});

describe('admin building blocks', () => {
  it('rejects unknown and bad options', async () => {
    const demo = await testDemo();
    const base = {
      settings: { ...demo.config.settings, ADMIN_PASSWORD: PASSWORD },
      tasks: demo.tasks.app,
      cache: demo.cache,
      layer: demo.layer,
      health: demo.health,
      deployCheck: () => Promise.reject(new Error('unused')),
      logger: demo.logger,
    };
    try {
      expect(() => adminArea({ ...base, basepath: '/x' } as never)).toThrow(/Unknown option `basepath`.*basePath/);
      expect(() => adminArea({ ...base, basePath: '/admin/' })).toThrow(AdminOptionError);
      expect(() => adminArea({ ...base, loginAttemptsPerMinute: 0 })).toThrow(/loginAttemptsPerMinute/);
      expect(() => adminArea({ ...base, settings: { ...base.settings, SECRET_KEY: '' } })).toThrow(/SECRET_KEY/);
      adminArea({ ...base, basePath: undefined }).close();
      // CSRF_TRUSTED_ORIGINS entries the tasks dashboard would refuse (wildcards, upper case) do not stop the start.
      const origins = ['https://*.example.com', 'https://Board.example.com', 'https://ok.example.com'];
      adminArea({ ...base, settings: { ...base.settings, CSRF_TRUSTED_ORIGINS: origins } }).close();
    } finally {
      await demo.cleanup();
    }
  });

  it('escapes and cuts table values, and flattens nested stats', () => {
    const huge = `<img src=x onerror=alert(1)>${'y'.repeat(2000)}`;
    const html = cell(huge);
    expect(html.startsWith('&lt;img src=x onerror=alert(1)&gt;')).toBe(true);
    expect(html).toContain(`… (${huge.length} characters)`);
    expect(html.length).toBeLessThan(600);
    expect(flatten({ totals: { hits: 3, misses: 1 }, backend: { name: '<b>' } })).toEqual([
      ['totals.hits', 3],
      ['totals.misses', 1],
      ['backend.name', '<b>'],
    ]);
  });

  it('shows the hit ratio and counters of a cache with stats(), escaped', async () => {
    const demo = await testDemo();
    try {
      const stats = {
        since: Date.now(),
        totals: { calls: 4, hits: 3, misses: 1, errors: 0 },
        backend: { name: '<b>redis</b>', down: false },
      };
      const cache = { backendInfo: demo.cache.backendInfo, stats: () => stats };
      const options = resolveAdminOptions({
        settings: demo.config.settings,
        tasks: demo.tasks.app,
        cache,
        layer: demo.layer,
        health: demo.health,
        deployCheck: () => Promise.reject(new Error('unused')),
        logger: demo.logger,
      });
      const { state, stop } = watchPanelState(options);
      const { body } = cachePanel(options, state);
      stop();
      expect(body).toContain('Hit ratio: <strong>75.0%</strong> of 4 keys read.');
      expect(body).toContain('<td>totals.hits</td><td>3</td>');
      expect(body).toContain('&lt;b&gt;redis&lt;/b&gt;');
    } finally {
      await demo.cleanup();
    }
  });

  it('the sliding window counts attempts and says when the next one is allowed', () => {
    const limiter = new SlidingWindowLimiter(2, 60_000);
    expect(limiter.take('a', 0)).toEqual({ ok: true });
    expect(limiter.take('a', 10_000)).toEqual({ ok: true });
    expect(limiter.take('a', 20_000)).toEqual({ ok: false, retryAfter: 40 });
    expect(limiter.take('a', 60_001)).toEqual({ ok: true });
    limiter.reset('a');
    expect(limiter.take('a', 60_002)).toEqual({ ok: true });
  });
});
