import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main } from '../src/index.js';

const GOOD_KEY = 'q8Vt3xN1bL6zR0wYk5Jm2Hc9Pf4Gd7Sa8Ue1Ii3Oo6Ll0Zx5Cv2Bn9Mq4Wr7Ty';

async function run(argv: string[], env: Record<string, string> = {}, cwd = mkdtempSync(join(tmpdir(), 'adv-cli-'))) {
  let stdout = '';
  let stderr = '';
  const code = await main(argv, {
    stdout: (t) => {
      stdout += t;
    },
    stderr: (t) => {
      stderr += t;
    },
    env,
    cwd,
  });
  return { code, stdout, stderr, cwd };
}

const prodEnv = {
  SECRET_KEY: GOOD_KEY,
  ALLOWED_HOSTS: 'example.com',
  SECURE_SSL_REDIRECT: 'true',
  SECURE_HSTS_SECONDS: '31536000',
  SECURE_HSTS_INCLUDE_SUBDOMAINS: 'true',
  SECURE_HSTS_PRELOAD: 'true',
  SESSION_COOKIE_SECURE: 'true',
  CSRF_COOKIE_SECURE: 'true',
  NODE_ENV: 'production',
  SILENCED_SYSTEM_CHECKS: 'adv.W005,adv.W008',
};

describe('adv-deploy CLI', () => {
  it('check --deploy exits 0 on clean settings from the environment', async () => {
    const r = await run(['check', '--deploy'], prodEnv);
    expect(r.stdout).toBe('System check identified no issues (2 silenced).\n');
    expect(r.code).toBe(0);
  });

  it('exits 1 on errors, 0 on warnings unless --fail-level warning', async () => {
    const errors = await run(['check', '--deploy'], { ...prodEnv, SECRET_KEY: `changeme-${GOOD_KEY}` });
    expect(errors.code).toBe(1);
    expect(errors.stdout).toContain('?: (adv.E003)');
    expect(errors.stdout).not.toContain(GOOD_KEY);
    // A key defineSettings refuses in production is reported here, not refused: the CLI's job is the list.
    const weak = await run(['check', '--deploy'], { ...prodEnv, SECRET_KEY: 'short-but-random-Zx81' });
    expect(weak.stdout).toContain('?: (security.W009)');
    expect(weak.code).toBe(0);
    const warnings = await run(['check', '--deploy'], { ...prodEnv, DEBUG: 'true' });
    expect(warnings.code).toBe(0);
    expect(warnings.stdout).toContain('?: (security.W018)');
    expect((await run(['check', '--deploy', '--fail-level', 'warning'], { ...prodEnv, DEBUG: 'true' })).code).toBe(1);
  });

  it('--json prints the findings and silenced ones as JSON', async () => {
    const r = await run(['check', '--deploy', '--json'], { ...prodEnv, DEBUG: 'true' });
    const report = JSON.parse(r.stdout);
    expect(report.findings.map((f: { id: string }) => f.id)).toEqual(['security.W018']);
    expect(report.silenced.map((f: { id: string }) => f.id).sort()).toEqual(['adv.W005', 'adv.W008']);
  });

  it('reads ./.env from the working directory', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'adv-cli-env-'));
    writeFileSync(
      join(cwd, '.env'),
      Object.entries(prodEnv)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n'),
    );
    const r = await run(['check', '--deploy'], {}, cwd);
    expect(r.code).toBe(0);
  });

  it('loads --settings with a context (function) from a module', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'adv-cli-mod-'));
    writeFileSync(
      join(cwd, 'settings.mjs'),
      `export const settings = ${JSON.stringify({ ...prodEnv, SILENCED_SYSTEM_CHECKS: [], ALLOWED_HOSTS: ['example.com'] })};
       export async function context() {
         return { processes: 2, backends: { cache: { backendInfo: { name: 'memory', sharedAcrossProcesses: false } } }, backup: false, health: { readinessPath: '/readyz' } };
       }`,
    );
    const r = await run(['check', '--deploy', '--settings', './settings.mjs'], {}, cwd);
    expect(r.stdout).toContain('?: (adv.E001) The cache backend (memory)');
    expect(r.code).toBe(1);
  });

  it('exits 2 with every problem on invalid settings, never printing secrets', async () => {
    const r = await run(['check', '--deploy'], { SECRET_KEY: '', DEBUG: 'perhaps', API_TOKEN: 'tok-secret' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SECRET_KEY: is required');
    expect(r.stderr).toContain('DEBUG:');
    expect(r.stderr).not.toContain('tok-secret');
  });

  it('exits 2 on usage errors', async () => {
    expect((await run(['check'])).code).toBe(2);
    expect((await run(['check', '--deploy', '--fail-level', 'loud'], prodEnv)).stderr).toContain(
      'Expected `--fail-level`',
    );
    expect((await run(['frobnicate'])).stderr).toContain('Unknown command `frobnicate`');
    expect((await run(['nginx'])).stderr).toContain('nginx needs --server-name');
    expect((await run(['check', '--deploy', '--settings', './missing.mjs'])).stderr).toContain(
      'Could not load the settings module',
    );
    const help = await run(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: adv-deploy');
  });

  it('generates nginx, dockerfile and systemd files', async () => {
    const nginx = await run(['nginx', '--server-name', 'example.com', '--upstream', '127.0.0.1:4000', '--no-tls']);
    expect(nginx.code).toBe(0);
    expect(nginx.stdout).toContain('server 127.0.0.1:4000;');
    expect(nginx.stdout).toContain('return 444;');
    const noDefault = await run(['nginx', '--server-name', 'example.com', '--no-default-server']);
    expect(noDefault.code).toBe(0);
    expect(noDefault.stdout).not.toContain('default_server');
    expect(nginx.stdout).not.toContain('/media/');
    const media = await run(['nginx', '--server-name', 'example.com', '--no-tls'], {
      MEDIA_ROOT: '/var/lib/app/media',
    });
    expect(media.stdout).toContain('location /media/ {\n        alias /var/lib/app/media/;');
    const flags = await run([
      'nginx',
      '--server-name',
      'example.com',
      '--media-root',
      '/m',
      '--media-url',
      '/uploads/',
    ]);
    expect(flags.stdout).toContain('location /uploads/ {\n        alias /m/;');
    const docker = await run(['dockerfile', '--port', '8080', '--out', 'Dockerfile']);
    expect(readFileSync(join(docker.cwd, 'Dockerfile'), 'utf8')).toContain('EXPOSE 8080');
    const unit = await run(['systemd', '--user', 'web', '--writable', '/srv/data']);
    expect(unit.stdout).toContain('User=web');
    expect(unit.stdout).toContain('ReadWritePaths=/srv/data');
    expect((await run(['dockerfile', '--port', 'abc'])).code).toBe(2);
  });

  it('collectstatic copies and hashes', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'adv-cli-static-'));
    mkdirSync(join(cwd, 'assets'));
    writeFileSync(join(cwd, 'assets', 'a.css'), 'a{}');
    const r = await run(['collectstatic', 'assets', 'out'], {}, cwd);
    expect(r.stdout).toContain("1 static files copied to 'out'");
    expect(JSON.parse(readFileSync(join(cwd, 'out', 'staticfiles.json'), 'utf8')).paths['a.css']).toMatch(
      /^a\.[0-9a-f]{12}\.css$/,
    );
  });

  it('systemd --environment-file works through the installed bin, which Node 20 would not pass --env-file to', () => {
    // As a user runs it: the built bin executed through its shebang (`adv-deploy` is a link to it).
    const bin = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
    if (!existsSync(bin)) throw new Error('dist is missing: build @adv/deploy before its tests');
    const env = { PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    const run = (command: string, args: string[]) => spawnSync(command, args, { env, encoding: 'utf8' });
    const unit = run(bin, ['systemd', '--environment-file', '/srv/shop/env', '--user', 'shop']);
    expect(unit.stderr).toBe('');
    expect(unit.status).toBe(0);
    expect(unit.stdout).toContain('EnvironmentFile=-/srv/shop/env');
    expect(unit.stdout).toContain('User=shop');
    // The --env-file alias reaches the CLI when Node stops reading options at `--`.
    const alias = run(process.execPath, ['--', bin, 'systemd', '--env-file=/srv/shop/env']);
    expect(alias.stderr).toBe('');
    expect(alias.stdout).toContain('EnvironmentFile=-/srv/shop/env');
    const both = run(process.execPath, ['--', bin, 'systemd', '--environment-file', '/a', '--env-file', '/b']);
    expect(both.status).toBe(2);
    expect(both.stderr).toContain('Pass --environment-file or its alias --env-file, not both');
  });

  it('runs as a real process and sets the exit code', () => {
    const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url));
    const packageDir = fileURLToPath(new URL('..', import.meta.url));
    const result = spawnSync(process.execPath, ['--import', 'tsx', bin, 'check', '--deploy'], {
      cwd: packageDir, // where `--import tsx` resolves; it has no .env
      env: { PATH: process.env.PATH ?? '', ...prodEnv, DEBUG: 'true' },
      encoding: 'utf8',
    });
    expect(result.stdout).toContain('(security.W018)');
    expect(result.status).toBe(0);
    const failing = spawnSync(
      process.execPath,
      ['--import', 'tsx', bin, 'check', '--deploy', '--fail-level', 'warning'],
      {
        cwd: packageDir, // where `--import tsx` resolves; it has no .env
        env: { PATH: process.env.PATH ?? '', ...prodEnv, DEBUG: 'true' },
        encoding: 'utf8',
      },
    );
    expect(failing.status).toBe(1);
  }, 30_000);
});
