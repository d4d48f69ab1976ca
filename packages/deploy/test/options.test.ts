// Every public function of @adv/deploy that takes an options object reads it the same way
// (`resolveOptions` of @adv/types): a misspelled key is refused with a did-you-mean, and an
// explicit `undefined` keeps the default — checked here by what each function then does.
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { compose } from '@adv/types';
import { pino } from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { z } from 'zod';
import { requestLogger } from '../src/entry/logging.js';
import { createMetrics } from '../src/entry/metrics.js';
import {
  type BaseSettings,
  backupReadinessCheck,
  checkDeploy,
  checkDeployReport,
  collectStatic,
  createHealth,
  csrfMiddleware,
  DeployError,
  defineSettings,
  generateDockerfile,
  generateNginxConfig,
  generateSystemdUnit,
  MANIFEST_NAME,
  runCluster,
  securityMiddleware,
  serveStatic,
} from '../src/index.js';

const KEY = 'k3y-9f8a7c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4';
const settings: Partial<BaseSettings> = { ALLOWED_HOSTS: ['example.com'] };
const next = async () => new Response('app');
const tmp = (prefix: string) => mkdtempSync(join(tmpdir(), `adv-deploy-options-${prefix}-`));

/** The error `run` throws or rejects with; fails the test when it returns normally. */
async function refusal(run: () => unknown): Promise<DeployError> {
  try {
    await run();
  } catch (error) {
    expect(error).toBeInstanceOf(DeployError);
    return error as DeployError;
  }
  throw new Error('expected the call to be refused');
}

/** `options` typed as whatever the function takes: a misspelling is exactly what the types forbid. */
const bad = <T>(options: Record<string, unknown>) => options as T;

// [function, a call with one misspelled key, the key as written, the key meant]
const calls: [string, () => unknown, string, string][] = [
  ['createHealth', () => createHealth(bad({ timeoutMS: 100 })), 'timeoutMS', 'timeoutMs'],
  [
    'backupReadinessCheck',
    () => backupReadinessCheck(bad({ lastBackupAt: () => null, maxAgeSecond: 60 })),
    'maxAgeSecond',
    'maxAgeSeconds',
  ],
  ['serveStatic', () => serveStatic(bad({ root: '/srv/static', prefx: '/assets/' })), 'prefx', 'prefix'],
  ['collectStatic', () => collectStatic('assets', 'out', bad({ hashLenght: 8 })), 'hashLenght', 'hashLength'],
  ['runCluster', () => runCluster(bad({ worker: () => {}, wokers: 2 })), 'wokers', 'workers'],
  ['createMetrics', () => createMetrics(bad({ bucket: [1, 2] })), 'bucket', 'buckets'],
  ['requestLogger', () => requestLogger(bad({ headr: 'x-id' })), 'headr', 'header'],
  [
    'securityMiddleware',
    () => securityMiddleware(settings, bad({ secureCookie: true })),
    'secureCookie',
    'secureCookies',
  ],
  [
    'csrfMiddleware',
    () => csrfMiddleware(settings, bad({ allowMissingOrign: true })),
    'allowMissingOrign',
    'allowMissingOrigin',
  ],
  [
    'defineSettings',
    () => defineSettings(bad<Parameters<typeof defineSettings>[0]>({ envfile: false })),
    'envfile',
    'envFile',
  ],
  ['generateDockerfile', () => generateDockerfile(bad({ nodeVerison: '22' })), 'nodeVerison', 'nodeVersion'],
  [
    'generateNginxConfig',
    () => generateNginxConfig(bad({ serverName: 'example.com', upstream: ['127.0.0.1:3000'] })),
    'upstream',
    'upstreams',
  ],
  [
    'generateNginxConfig',
    () =>
      generateNginxConfig(
        bad({ serverName: 'example.com', tls: { certifcate: '/etc/ssl/a.pem', certificateKey: '/etc/ssl/a.key' } }),
      ),
    'tls.certifcate',
    'tls.certificate',
  ],
  [
    'generateSystemdUnit',
    () => generateSystemdUnit(bad({ writeablePaths: ['/srv'] })),
    'writeablePaths',
    'writablePaths',
  ],
  ['checkDeploy', () => checkDeploy(settings, bad({ proceses: 4 })), 'context.proceses', 'context.processes'],
  [
    'checkDeploy',
    () => checkDeploy(settings, bad({ static: { sorceDir: 'assets' } })),
    'context.static.sorceDir',
    'context.static.sourceDir',
  ],
  [
    'checkDeployReport',
    () => checkDeployReport(settings, bad({ backup: { lastBackup: 0 } })),
    'context.backup.lastBackup',
    'context.backup.lastBackupAt',
  ],
];

const misspelled = calls.map(([name, call, wrong, right]) => [name, wrong, right, call] as const);

describe('a misspelled option is refused with a did-you-mean', () => {
  it.each(misspelled)('%s: `%s` (meant `%s`)', async (name, wrong, right, call) => {
    const error = await refusal(call);
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.message).toContain(`Unknown option \`${wrong}\` of \`${name}()\`; did you mean \`${right}\`?`);
    expect(error.message).toMatch(new RegExp(`Valid options: .*\`${right}\``));
  });

  it('lists the valid names when nothing is close', async () => {
    const error = await refusal(() => createHealth(bad({ colour: 'blue' })));
    expect(error.message).toBe(
      'Unknown option `colour` of `createHealth()`. Valid options: `checks`, `timeoutMs`, `livenessPath`, `readinessPath`.',
    );
  });

  it('refuses options that are not an object, in the shared message shape', async () => {
    const error = await refusal(() => generateDockerfile('node:20' as never));
    expect(error.code).toBe('ERR_INVALID_OPTION');
    expect(error.message).toBe(
      'Expected the options of `generateDockerfile()` to be an object, got `node:20` (string)',
    );
    expect((await refusal(() => checkDeploy(settings, 5 as never))).message).toMatch(
      /^Expected `context` of `checkDeploy\(\)` to be an object, got `5` \(number\)$/,
    );
    expect(
      (await refusal(() => generateNginxConfig({ serverName: 'example.com', tls: true as never }))).message,
    ).toMatch(/^Expected `tls` of `generateNginxConfig\(\)` to be an object, got `true` \(boolean\)$/);
  });

  it('still checks the values, in the `Expected …, got …` shape', async () => {
    expect((await refusal(() => createHealth({ timeoutMs: -1 }))).message).toBe(
      'Expected `timeoutMs` to be a positive number of milliseconds, got `-1` (number)',
    );
    expect((await refusal(() => collectStatic('a', 'b', { minCompressBytes: -1 }))).message).toBe(
      'Expected `minCompressBytes` to be a non-negative integer of bytes, got `-1` (number)',
    );
    expect((await refusal(() => createMetrics({ path: 'metrics' }))).message).toBe(
      'Expected `path` to be a path starting with `/`, got `metrics` (string)',
    );
  });
});

describe('an explicit `undefined` keeps the default', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    vi.unstubAllEnvs();
  });

  it('createHealth answers the default paths', async () => {
    const health = createHealth({
      checks: undefined,
      timeoutMs: undefined,
      livenessPath: undefined,
      readinessPath: undefined,
    });
    expect([health.livenessPath, health.readinessPath]).toEqual(['/healthz', '/readyz']);
    const live = await health.middleware(new Request('http://x/healthz'), next);
    expect(await live.json()).toEqual({ status: 'ok' });
    const ready = await health.middleware(new Request('http://x/readyz'), next);
    expect(ready.status).toBe(200);
    expect(await ready.json()).toEqual({ status: 'ok', checks: {} });
  });

  it('backupReadinessCheck keeps its name, one day of age and the real clock', async () => {
    const check = backupReadinessCheck({
      lastBackupAt: () => Date.now() - 2 * 3_600_000,
      maxAgeSeconds: undefined,
      name: undefined,
      now: undefined,
    });
    expect(check.name).toBe('backup');
    expect(await check.check(new AbortController().signal)).toBe('last backup 2 h ago');
    const stale = backupReadinessCheck({ lastBackupAt: () => Date.now() - 25 * 3_600_000, maxAgeSeconds: undefined });
    await expect(stale.check(new AbortController().signal)).rejects.toThrow('older than 24 h');
  });

  it('serveStatic serves under /static/ with max-age 60', async () => {
    const root = tmp('serve');
    writeFileSync(join(root, 'robots.txt'), 'User-agent: *\n');
    const middleware = serveStatic({ root, prefix: undefined, maxAge: undefined });
    const res = await middleware(new Request('http://x/static/robots.txt'), next);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('public, max-age=60');
    expect(await res.text()).toBe('User-agent: *\n');
  });

  it('collectStatic hashes with 12 characters and writes gzip and brotli copies above 256 bytes', async () => {
    const src = tmp('src');
    const dest = tmp('dest');
    mkdirSync(join(src, 'css'));
    writeFileSync(join(src, 'css', 'app.css'), 'body { color: #123456; }\n'.repeat(40));
    writeFileSync(join(src, 'tiny.txt'), 'hi');
    const { manifest } = await collectStatic(src, dest, {
      hashLength: undefined,
      compress: undefined,
      minCompressBytes: undefined,
      signal: undefined,
    });
    const hashed = manifest.paths['css/app.css'] ?? '';
    expect(hashed).toMatch(/^css\/app\.[0-9a-f]{12}\.css$/);
    expect(existsSync(join(dest, `${hashed}.gz`))).toBe(true);
    expect(existsSync(join(dest, `${hashed}.br`))).toBe(true);
    expect(existsSync(join(dest, 'tiny.txt.gz'))).toBe(false);
    expect(existsSync(join(dest, MANIFEST_NAME))).toBe(true);
  });

  it('createMetrics serves /metrics with the default buckets and Node metrics', async () => {
    const metrics = createMetrics({
      registry: undefined,
      route: undefined,
      maxRoutes: undefined,
      defaultMetrics: undefined,
      buckets: undefined,
      path: undefined,
    });
    const app = compose(metrics.middleware)(next);
    await app(new Request('http://x/users/42'));
    const text = await (await app(new Request('http://x/metrics'))).text();
    expect(text).toContain(
      'http_request_duration_seconds_bucket{le="0.005",method="GET",route="/users/:id",status="200"}',
    );
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('requestLogger keeps the header name, trusts a safe incoming id and generates UUIDs', async () => {
    const lines: Record<string, unknown>[] = [];
    const stream = new Writable({
      write(chunk, _encoding, callback) {
        lines.push(JSON.parse(String(chunk)));
        callback();
      },
    });
    const app = compose(
      requestLogger({
        logger: pino(stream),
        header: undefined,
        trustIncoming: undefined,
        generateId: undefined,
        redactQuery: undefined,
      }),
    )(next);
    const incoming = await app(new Request('http://x/a?token=s3cret', { headers: { 'x-request-id': 'abc-123' } }));
    expect(incoming.headers.get('x-request-id')).toBe('abc-123');
    const generated = await app(new Request('http://x/b'));
    expect(generated.headers.get('x-request-id')).toMatch(
      /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(lines[0]).toMatchObject({ requestId: 'abc-123', req: { url: '/a?token=[redacted]' } });
  });

  it('securityMiddleware follows SESSION_COOKIE_SECURE and answers a thrown error with a 500', async () => {
    const secure = { ...settings, SESSION_COOKIE_SECURE: true };
    const middleware = securityMiddleware(secure, { secureCookies: undefined, onError: undefined });
    const withCookie = async () => new Response('ok', { headers: { 'set-cookie': 'sid=1; Path=/' } });
    const res = await middleware(new Request('https://example.com/'), withCookie);
    expect(res.headers.getSetCookie()).toEqual(['sid=1; Path=/; Secure']);
    const logged = vi.spyOn(console, 'error').mockImplementation(() => {});
    const failed = await middleware(new Request('https://example.com/'), async () => {
      throw new Error('boom');
    });
    expect(failed.status).toBe(500);
    expect(failed.headers.get('x-frame-options')).toBe('DENY');
    expect(logged).toHaveBeenCalledOnce();
  });

  it('csrfMiddleware refuses an unsafe request without Origin or Referer', async () => {
    const middleware = csrfMiddleware(settings, { allowMissingOrigin: undefined, exempt: undefined });
    const res = await middleware(new Request('http://example.com/form', { method: 'POST' }), next);
    expect(res.status).toBe(403);
  });

  it('defineSettings reads process.env, no schema, no extra secrets, and refuses a weak key', () => {
    vi.stubEnv('ADV_OPTIONS_TEST_WORKERS', '3');
    vi.stubEnv('DEBUG', 'false');
    vi.stubEnv('SECRET_KEY', KEY);
    const s = defineSettings({
      env: undefined,
      envFile: false,
      schema: undefined,
      secrets: undefined,
      allowWeakSecretKey: undefined,
    });
    expect([s.DEBUG, s.SECRET_KEY]).toEqual([false, KEY]);
    const withSchema = defineSettings({
      env: undefined,
      envFile: false,
      schema: { ADV_OPTIONS_TEST_WORKERS: z.coerce.number().int() },
    });
    expect(withSchema.ADV_OPTIONS_TEST_WORKERS).toBe(3);
    expect(() =>
      defineSettings({ env: { DEBUG: 'false', SECRET_KEY: 'short' }, envFile: false, allowWeakSecretKey: undefined }),
    ).toThrow(/SECRET_KEY: is too weak for production/);
    expect(
      defineSettings({ env: { DEBUG: 'false', SECRET_KEY: KEY }, envFile: false, secrets: undefined }).SECRET_KEY,
    ).toBe(KEY);
  });

  it('generateDockerfile keeps Node 20, port 3000, dist/server.js and /healthz', () => {
    const file = generateDockerfile({
      nodeVersion: undefined,
      entry: undefined,
      port: undefined,
      buildScript: undefined,
      outputs: undefined,
      healthPath: undefined,
    });
    expect(file).toContain('FROM node:20-bookworm-slim AS runtime');
    expect(file).toContain('EXPOSE 3000');
    expect(file).toContain('RUN npm run build');
    expect(file).toContain('COPY --from=build --chown=node:node /app/dist ./dist');
    expect(file).toContain("fetch('http://127.0.0.1:3000/healthz')");
    expect(file).toContain('CMD ["node", "dist/server.js"]');
  });

  it("generateNginxConfig keeps the upstream, ports, IPv6 and Let's Encrypt paths", () => {
    const conf = generateNginxConfig({
      serverName: 'example.com',
      upstreams: undefined,
      staticRoot: undefined,
      staticUrl: undefined,
      tls: undefined,
      httpPort: undefined,
      httpsPort: undefined,
      ipv6: undefined,
      hashLength: undefined,
      clientMaxBodySize: undefined,
    });
    expect(conf).toContain('server 127.0.0.1:3000');
    expect(conf).toContain('listen 80;');
    expect(conf).toContain('listen [::]:443 ssl');
    expect(conf).toContain('ssl_certificate /etc/letsencrypt/live/example.com/fullchain.pem;');
    expect(conf).toContain('client_max_body_size 10m;');
  });

  it('generateSystemdUnit keeps the user, paths and stop timeout', () => {
    const unit = generateSystemdUnit({
      name: undefined,
      user: undefined,
      workingDirectory: undefined,
      entry: undefined,
      node: undefined,
      environmentFile: undefined,
      writablePaths: undefined,
      stopTimeoutSeconds: undefined,
    });
    expect(unit).toContain('User=app');
    expect(unit).toContain('WorkingDirectory=/srv/app');
    expect(unit).toContain('ExecStart=/usr/bin/node dist/server.js');
    expect(unit).toContain('EnvironmentFile=-/etc/app/env');
    expect(unit).toContain('TimeoutStopSec=35');
    expect(unit).not.toContain('ReadWritePaths');
  });

  it('checkDeploy counts one process, the real clock and a day of backup age', async () => {
    const memory = { backendInfo: { name: '@adv/cache:memory', sharedAcrossProcesses: false } };
    const ids = async (context: Parameters<typeof checkDeploy>[1]) =>
      (await checkDeploy(settings, context)).map((finding) => finding.id);
    const found = await ids({
      processes: undefined,
      backends: { cache: memory },
      now: undefined,
      backup: { lastBackupAt: Date.now() - 3_600_000, maxAgeSeconds: undefined },
      static: { root: undefined, sourceDir: undefined },
    });
    expect(found).not.toContain('adv.E001'); // one process: an in-memory cache is fine
    expect(found).not.toContain('adv.E009'); // an hour-old backup is within the default day
    expect(found).not.toContain('adv.E006'); // no static root anywhere: static checks skipped
    expect(await ids({ backends: { cache: memory }, processes: 2 })).toContain('adv.E001');
    expect(await ids({ backup: { lastBackupAt: Date.now() - 25 * 3_600_000, maxAgeSeconds: undefined } })).toContain(
      'adv.E009',
    );
    expect(await ids({ backup: undefined })).toContain('adv.W008');
  });
});
