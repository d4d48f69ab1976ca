import { compose } from '@adv/types';
import { describe, expect, it } from 'vitest';
import { backupReadinessCheck, createHealth } from '../src/index.js';

const req = (path: string) => new Request(`http://localhost${path}`);

describe('createHealth', () => {
  it('answers /healthz and passes other paths on', async () => {
    const health = createHealth();
    const app = compose(health.middleware)(async () => new Response('app'));
    const live = await app(req('/healthz'));
    expect(live.status).toBe(200);
    expect(await live.json()).toEqual({ status: 'ok' });
    expect(live.headers.get('cache-control')).toBe('no-store');
    expect(await (await app(req('/other'))).text()).toBe('app');
  });

  it('is ready when every check passes, and reports each', async () => {
    const health = createHealth({
      checks: [
        { name: 'cache', check: async () => 'PONG' },
        { name: 'db', check: async () => undefined },
      ],
    });
    const res = await health.readiness(req('/readyz'));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ok',
      checks: { cache: { ok: true, detail: 'PONG' }, db: { ok: true } },
    });
  });

  it('fails with 503 when a check rejects or throws synchronously', async () => {
    const health = createHealth({
      checks: [
        { name: 'cache', check: async () => 'PONG' },
        { name: 'queue', check: async () => Promise.reject(new Error('ECONNREFUSED')) },
        {
          name: 'sync',
          check: () => {
            throw new Error('boom');
          },
        },
      ],
    });
    const res = await health.readiness(req('/readyz'));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'fail',
      checks: {
        cache: { ok: true, detail: 'PONG' },
        queue: { ok: false, error: 'ECONNREFUSED' },
        sync: { ok: false, error: 'boom' },
      },
    });
  });

  it('times out a hanging check and aborts its signal', async () => {
    let aborted = false;
    const health = createHealth({
      timeoutMs: 50,
      checks: [
        {
          name: 'slow',
          check: (signal) =>
            new Promise((_resolve, reject) => {
              signal.addEventListener('abort', () => {
                aborted = true;
                reject(signal.reason);
              });
            }),
        },
      ],
    });
    const res = await health.readiness(req('/readyz'));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({
      status: 'fail',
      checks: { slow: { ok: false, error: 'timed out after 50 ms' } },
    });
    expect(aborted).toBe(true);
  });

  it('fails readiness as soon as shutdown begins, while liveness stays up', async () => {
    const health = createHealth({ checks: [{ name: 'db', check: async () => 1 }] });
    expect((await health.readiness(req('/readyz'))).status).toBe(200);
    health.beginShutdown();
    expect(health.shuttingDown).toBe(true);
    const res = await health.readiness(req('/readyz'));
    expect(res.status).toBe(503);
    expect(await res.json()).toEqual({ status: 'shutting down' });
    expect((await health.liveness(req('/healthz'))).status).toBe(200);
  });

  it('uses custom paths and rejects bad options', async () => {
    const health = createHealth({ livenessPath: '/live', readinessPath: '/ready' });
    const app = compose(health.middleware)(async () => new Response('app', { status: 404 }));
    expect((await app(req('/live'))).status).toBe(200);
    expect((await app(req('/ready'))).status).toBe(200);
    expect((await app(req('/healthz'))).status).toBe(404);
    expect(() => createHealth({ timeoutMs: 0 })).toThrow(
      /Expected `timeoutMs` to be a positive number of milliseconds, got `0` \(number\)/,
    );
    expect(() => createHealth({ checks: [{ name: 'x' } as never] })).toThrow(/Expected `checks\[0\]`/);
  });

  it('backupReadinessCheck reports the age of the last backup and fails when too old or missing', async () => {
    const now = Date.UTC(2026, 0, 2);
    let last: number | null = now - 2 * 3_600_000;
    const health = createHealth({
      checks: [backupReadinessCheck({ lastBackupAt: async () => last, maxAgeSeconds: 86_400, now: () => now })],
    });
    const fresh = await health.readiness(req('/readyz'));
    expect(fresh.status).toBe(200);
    expect(await fresh.json()).toEqual({
      status: 'ok',
      checks: { backup: { ok: true, detail: 'last backup 2 h ago' } },
    });
    last = now - 30 * 3_600_000;
    const stale = await health.readiness(req('/readyz'));
    expect(stale.status).toBe(503);
    expect(await stale.json()).toEqual({
      status: 'fail',
      checks: { backup: { ok: false, error: 'last backup 30 h ago, older than 24 h' } },
    });
    last = null;
    expect(await (await health.readiness(req('/readyz'))).json()).toMatchObject({
      checks: { backup: { error: 'no backup has been taken' } },
    });
    expect(() => backupReadinessCheck({} as never)).toThrow(/Expected `lastBackupAt` to be a function/);
  });
});
