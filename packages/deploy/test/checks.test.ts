import { mkdirSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DescribesBackend } from '@adv/types';
import { describe, expect, it } from 'vitest';
import {
  type BaseSettings,
  checkDeploy,
  checkDeployReport,
  csrfMiddleware,
  type DeployContext,
  formatReport,
  hasFailures,
  MANIFEST_NAME,
  type SecuritySettings,
  securityMiddleware,
} from '../src/index.js';

const staticRoot = mkdtempSync(join(tmpdir(), 'adv-deploy-checks-'));
writeFileSync(join(staticRoot, MANIFEST_NAME), JSON.stringify({ version: '1.1', paths: {}, hash: '' }));

const good: Partial<BaseSettings> = {
  DEBUG: false,
  SECRET_KEY: 'q8Vt3xN1bL6zR0wYk5Jm2Hc9Pf4Gd7Sa8Ue1Ii3Oo6Ll0Zx5Cv2Bn9Mq4Wr7Ty',
  ALLOWED_HOSTS: ['example.com'],
  CSRF_TRUSTED_ORIGINS: ['https://*.example.com'],
  SECURE_SSL_REDIRECT: true,
  SECURE_PROXY_SSL_HEADER: ['x-forwarded-proto', 'https'],
  SECURE_HSTS_SECONDS: 31_536_000,
  SECURE_HSTS_INCLUDE_SUBDOMAINS: true,
  SECURE_HSTS_PRELOAD: true,
  SESSION_COOKIE_SECURE: true,
  NODE_ENV: 'production',
  STATIC_ROOT: staticRoot,
};
const redis: DescribesBackend = { backendInfo: { name: '@adv/cache:redis', sharedAcrossProcesses: true } };
const memory: DescribesBackend = { backendInfo: { name: '@adv/cache:memory', sharedAcrossProcesses: false } };
const now = Date.UTC(2026, 0, 2);
const goodContext: DeployContext = {
  processes: 4,
  backends: { cache: redis, tasks: redis },
  middleware: [securityMiddleware(good), csrfMiddleware(good)],
  health: { livenessPath: '/healthz', readinessPath: '/readyz' },
  backup: { lastBackupAt: now - 3_600_000, maxAgeSeconds: 86_400 },
  pendingMigrations: async () => [],
  secrets: { JWT_SECRET: 'c2Vj8kLm1Qx7Rt5Yu3Io9Pa2Sd4Fg6Hj8Kl0Zx1Cv3Bn5' },
  behindProxy: true,
  now: () => now,
};

describe('checkDeploy', () => {
  it('is clean on production settings', async () => {
    expect(await checkDeploy(good, goodContext)).toEqual([]);
  });

  const cases: [string, SecuritySettings, DeployContext][] = [
    ['security.W001', {}, { middleware: [csrfMiddleware(good)] }],
    ['security.W003', {}, { middleware: ['securityMiddleware'] }],
    ['security.W004', { SECURE_HSTS_SECONDS: 0, SECURE_HSTS_PRELOAD: false }, {}],
    ['security.W005', { SECURE_HSTS_INCLUDE_SUBDOMAINS: false, SECURE_HSTS_PRELOAD: false }, {}],
    ['security.W006', { SECURE_CONTENT_TYPE_NOSNIFF: false }, {}],
    ['security.W008', { SECURE_SSL_REDIRECT: false }, {}],
    ['security.W009', { SECRET_KEY: 'short-but-random-Zx81' }, {}],
    ['security.W009', { SECRET_KEY: `django-insecure-${'q8Vt3xN1bL6zR0wYk5Jm2Hc9Pf4Gd7Sa8Ue1Ii3Oo6'}` }, {}],
    ['security.W010', { SESSION_COOKIE_SECURE: false }, {}],
    ['security.W013', { SESSION_COOKIE_HTTPONLY: false }, {}],
    ['security.W018', { DEBUG: true }, {}],
    ['security.W019', { X_FRAME_OPTIONS: 'SAMEORIGIN' }, {}],
    ['security.W020', { ALLOWED_HOSTS: [] }, {}],
    ['security.W021', { SECURE_HSTS_PRELOAD: false }, {}],
    ['security.W022', { SECURE_REFERRER_POLICY: null }, {}],
    ['security.E023', { SECURE_REFERRER_POLICY: '' }, {}],
    ['security.E023', { SECURE_REFERRER_POLICY: 'same-origin, everywhere' }, {}],
    ['security.E024', { SECURE_CROSS_ORIGIN_OPENER_POLICY: 'open' }, {}],
    ['security.E024', { SECURE_CROSS_ORIGIN_OPENER_POLICY: '' }, {}],
    ['security.W025', { SECRET_KEY_FALLBACKS: ['old'] }, {}],
    ['4_0.E001', { CSRF_TRUSTED_ORIGINS: ['example.com'] }, {}],
    ['adv.E001', {}, { backends: { cache: memory, tasks: redis } }],
    ['adv.E001', {}, { backends: [memory] }],
    ['adv.W002', { NODE_ENV: 'development' }, {}],
    ['adv.E003', { SECRET_KEY: 'changeme-changeme-changeme-changeme-changeme-changeme-1234' }, {}],
    ['adv.W004', {}, { secrets: { JWT_SECRET: 'short' } }],
    ['adv.W004', {}, { secrets: { WEBHOOK_SECRET: undefined } }],
    ['adv.W005', {}, { health: undefined }],
    ['adv.E006', { STATIC_ROOT: join(staticRoot, 'nowhere') }, {}],
    ['adv.W008', {}, { backup: undefined }],
    ['adv.E009', {}, { backup: { lastBackupAt: now - 3 * 86_400_000 } }],
    ['adv.E009', {}, { backup: { lastBackupAt: null } }],
    ['adv.E010', {}, { pendingMigrations: ['0002_add_index'] }],
    ['adv.E010', {}, { pendingMigrations: async () => ['0003_x'] }],
    ['adv.W011', { ALLOWED_HOSTS: ['*'] }, {}],
    ['adv.W012', { SECURE_HSTS_SECONDS: 3600 }, {}],
    ['adv.W014', { SECURE_PROXY_SSL_HEADER: undefined }, {}],
    ['adv.W014', { SECURE_PROXY_SSL_HEADER: undefined, SECURE_SSL_REDIRECT: false, SECURE_HSTS_SECONDS: 0 }, {}],
    ['adv.W017', {}, { behindProxy: false }],
    ['adv.W017', { SECURE_PROXY_SSL_HEADER: undefined, USE_X_FORWARDED_HOST: true }, { behindProxy: false }],
    ['adv.W019', { SECURE_SSL_HOST: 'secure.example.org' }, {}],
    ['adv.W019', { SECURE_SSL_HOST: 'bad host' }, {}],
    ['adv.E015', { ALLOWED_HOSTS: ['https://example.com'] }, {}],
    ['adv.E015', { ALLOWED_HOSTS: ['example.com:443'] }, {}],
    ['adv.E015', { ALLOWED_HOSTS: ['example.com/app'] }, {}],
    ['adv.W016', { CSRF_TRUSTED_ORIGINS: ['https://example.com/'] }, {}],
    ['adv.W016', { CSRF_TRUSTED_ORIGINS: ['https://*.example.com/login'] }, {}],
    ['adv.W020', { ALLOWED_HOSTS: ['localhost', '127.0.0.1', '[::1]'] }, {}],
    ['adv.W020', { ALLOWED_HOSTS: ['.localhost', '127.0.1.1'] }, {}],
  ];
  it.each(cases)('%s fires on a bad setting', async (id, settings, context) => {
    const findings = await checkDeploy({ ...good, ...settings }, { ...goodContext, ...context });
    expect(findings.map((f) => f.id)).toContain(id);
    const finding = findings.find((f) => f.id === id);
    expect(finding?.message.length).toBeGreaterThan(10);
    expect(finding?.level).toBe(id.split('.')[1]?.startsWith('E') ? 'error' : 'warning');
  });

  it('an unset ALLOWED_HOSTS in production fires security.W020 (Django: the only ALLOWED_HOSTS check), loopback-only adv.W020', async () => {
    const ids = async (settings: Partial<BaseSettings>) =>
      (await checkDeploy({ ...good, ...settings }, goodContext)).map((f) => f.id);
    const { ALLOWED_HOSTS: _, ...unset } = good;
    expect(await checkDeploy(unset, goodContext)).toEqual([expect.objectContaining({ id: 'security.W020' })]);
    expect(await ids({ ALLOWED_HOSTS: ['localhost', 'example.com'] })).not.toContain('adv.W020');
    expect(await ids({ ALLOWED_HOSTS: ['localhost'], DEBUG: true })).not.toContain('adv.W020');
    expect(await ids({ ALLOWED_HOSTS: ['localhost.example.com'] })).not.toContain('adv.W020');
  });

  it('adv.E015 and adv.W016 accept every valid form', async () => {
    const settings = {
      ...good,
      ALLOWED_HOSTS: ['example.com', '.example.org', 'localhost', '127.0.0.1', '[::1]', '*', 'example.com.'],
      CSRF_TRUSTED_ORIGINS: ['https://example.com', 'https://*.example.com', 'http://localhost:3000'],
    };
    const ids = (await checkDeploy(settings, goodContext)).map((f) => f.id);
    expect(ids).toEqual(['adv.W011']);
  });

  it('adv.W017 stays silent without a proxy when no forwarded header is trusted', async () => {
    const direct = { ...good, SECURE_PROXY_SSL_HEADER: undefined, USE_X_FORWARDED_HOST: false };
    expect(await checkDeploy(direct, { ...goodContext, behindProxy: false })).toEqual([]);
    expect(await checkDeploy(good, { ...goodContext, behindProxy: undefined })).toEqual([]);
  });

  it('adv.W019 stays silent when SECURE_SSL_HOST is allowed or redirects are off', async () => {
    const allowed = { ...good, ALLOWED_HOSTS: ['example.com', '.secure.example.org'] };
    expect(await checkDeploy({ ...allowed, SECURE_SSL_HOST: 'secure.example.org:8443' }, goodContext)).toEqual([]);
    expect(
      await checkDeploy(
        { ...good, SECURE_SSL_REDIRECT: false, SECURE_SSL_HOST: 'elsewhere.org' },
        {
          ...goodContext,
          silenced: ['security.W008'],
        },
      ),
    ).toEqual([]);
  });

  it('adv.E001 stays silent for in-memory backends in one process', async () => {
    expect(await checkDeploy(good, { ...goodContext, processes: 1, backends: { cache: memory } })).toEqual([]);
  });

  it('adv.W007 fires when static sources are newer than the manifest', async () => {
    const src = mkdtempSync(join(tmpdir(), 'adv-deploy-src-'));
    mkdirSync(join(src, 'css'));
    writeFileSync(join(src, 'css', 'app.css'), 'body{}');
    const future = new Date(Date.now() + 60_000);
    utimesSync(join(src, 'css', 'app.css'), future, future);
    const ids = (await checkDeploy(good, { ...goodContext, static: { sourceDir: src } })).map((f) => f.id);
    expect(ids).toEqual(['adv.W007']);
    const past = new Date(Date.now() - 3_600_000);
    utimesSync(join(src, 'css', 'app.css'), past, past);
    expect(await checkDeploy(good, { ...goodContext, static: { sourceDir: src } })).toEqual([]);
  });

  it('reports a check that throws as adv.E018 and still runs the others', async () => {
    const findings = await checkDeploy(
      { ...good, DEBUG: true },
      {
        ...goodContext,
        pendingMigrations: async () => {
          throw new Error('connect ECONNREFUSED postgres://app:hunter2@db:5432/app');
        },
      },
    );
    expect(findings.map((f) => f.id).sort()).toEqual(['adv.E018', 'security.W018']);
    const failed = findings.find((f) => f.id === 'adv.E018');
    expect(failed?.level).toBe('error');
    expect(failed?.message).toContain('pendingMigrations');
    expect(failed?.message).toContain('postgres://***@db:5432/app');
    expect(failed?.message).not.toContain('hunter2');
    const wrongType = await checkDeploy(good, { ...goodContext, pendingMigrations: (() => 'x') as never });
    expect(wrongType.map((f) => f.id)).toEqual(['adv.E018']);
  });

  it('never prints a secret value', async () => {
    const secret = 'changeme-this-is-the-secret-value-0123456789abcdefghij';
    const report = await checkDeployReport(
      { ...good, SECRET_KEY: secret },
      { ...goodContext, secrets: { API: 'tiny' } },
    );
    const text = formatReport(report);
    expect(text).toContain('adv.E003');
    expect(text).not.toContain(secret);
    expect(text).not.toContain('tiny');
  });

  it('silences by id, from settings and context, and counts them', async () => {
    const bad = { ...good, DEBUG: true, NODE_ENV: 'staging' };
    const report = await checkDeployReport(
      { ...bad, SILENCED_SYSTEM_CHECKS: ['security.W018'] },
      { ...goodContext, silenced: ['adv.W002'] },
    );
    expect(report.findings).toEqual([]);
    expect(report.silenced.map((f) => f.id).sort()).toEqual(['adv.W002', 'security.W018']);
    expect(formatReport(report)).toBe('System check identified no issues (2 silenced).');
  });

  it('orders by severity, formats like Django and gates by level', async () => {
    const report = await checkDeployReport(
      { ...good, DEBUG: true, ALLOWED_HOSTS: ['*'] },
      { ...goodContext, pendingMigrations: ['0001'] },
    );
    expect(report.findings[0]?.level).toBe('error');
    const text = formatReport(report);
    expect(text).toMatch(/^System check identified some issues:\n\nERRORS:\n\?: \(adv\.E010\)/);
    expect(text).toContain('WARNINGS:\n?: (security.W018)');
    expect(text).toContain('\tHINT: ');
    expect(text).toMatch(/System check identified 3 issues \(0 silenced\)\.$/);
    expect(hasFailures(report.findings)).toBe(true);
    const warningsOnly = await checkDeploy({ ...good, DEBUG: true }, goodContext);
    expect(hasFailures(warningsOnly)).toBe(false);
    expect(hasFailures(warningsOnly, 'warning')).toBe(true);
  });

  it('rejects bad input', async () => {
    await expect(checkDeploy(null as never)).rejects.toThrow(/Expected `settings` to be a settings object/);
    await expect(checkDeploy(good, { processes: 0 })).rejects.toThrow(
      /Expected `context.processes` to be an integer from 1 and up, got `0` \(number\)/,
    );
  });
});
