import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type BaseSettings, checkDeploy, defineSettings, generateNginxConfig } from '../src/index.js';

const SECRET_KEY = 'q8Vt3xN1bL6zR0wYk5Jm2Hc9Pf4Gd7Sa8Ue1Ii3Oo6Ll0Zx5Cv2Bn9Mq4Wr7Ty';
const base: Partial<BaseSettings> = { DEBUG: false, SECRET_KEY, ALLOWED_HOSTS: ['example.com'] };
const codeRoot = '/srv/app';

async function mediaIds(
  settings: Partial<BaseSettings>,
  context: Parameters<typeof checkDeploy>[1] = {},
): Promise<string[]> {
  const findings = await checkDeploy({ ...base, ...settings }, { codeRoot, ...context });
  return findings.map((f) => f.id).filter((id) => /^adv\.[EW]02[1-5]$/.test(id));
}

describe('media deploy checks', () => {
  it('a well-placed MEDIA_ROOT fires none', async () => {
    expect(await mediaIds({ MEDIA_ROOT: '/var/lib/app/media', STATIC_ROOT: '/srv/app-static' })).toEqual([]);
  });

  it('adv.E021: MEDIA_ROOT inside STATIC_ROOT, equal to it, or around it', async () => {
    for (const [media, stat] of [
      ['/srv/static/media', '/srv/static'],
      ['/srv/files', '/srv/files/'],
      ['/srv/files', '/srv/files/static'],
    ]) {
      expect(await mediaIds({ MEDIA_ROOT: media, STATIC_ROOT: stat }), `${media} ${stat}`).toEqual(['adv.E021']);
    }
    expect(await mediaIds({ MEDIA_ROOT: '/srv/static-media', STATIC_ROOT: '/srv/static' })).toEqual([]);
  });

  it('adv.E022: the same (or nested) URL for static and media files', async () => {
    expect(await mediaIds({ MEDIA_URL: '/static/', STATIC_URL: '/static/' })).toEqual(['adv.E022']);
    expect(await mediaIds({ MEDIA_URL: '/static/uploads/', STATIC_URL: '/static/' })).toEqual(['adv.E022']);
    expect(await mediaIds({ MEDIA_URL: '/media', STATIC_URL: '/media/' })).toEqual(['adv.E022']);
    expect(await mediaIds({ MEDIA_URL: '/media/', STATIC_URL: '/media-static/' })).toEqual([]);
  });

  it('adv.W023: MEDIA_ROOT inside the code tree (context.codeRoot, else the working directory)', async () => {
    expect(await mediaIds({ MEDIA_ROOT: '/srv/app/public/uploads' })).toEqual(['adv.W023']);
    expect(await mediaIds({ MEDIA_ROOT: '/srv/application' })).toEqual([]);
    const findings = await checkDeploy({ ...base, MEDIA_ROOT: join(process.cwd(), 'media') });
    expect(findings.map((f) => f.id)).toContain('adv.W023');
  });

  it('adv.W024: unbounded upload size', async () => {
    expect(await mediaIds({ MEDIA_MAX_UPLOAD_BYTES: 0 })).toEqual(['adv.W024']);
    expect(await mediaIds({ MEDIA_MAX_UPLOAD_BYTES: 5_000_000 })).toEqual([]);
  });

  it('adv.W025: media served by the app with no proxy in front', async () => {
    expect(await mediaIds({ MEDIA_ROOT: '/var/lib/app/media' }, { behindProxy: false })).toEqual(['adv.W025']);
    expect(await mediaIds({ MEDIA_ROOT: '/var/lib/app/media' }, { behindProxy: true })).toEqual([]);
  });

  it('the settings parse from the environment, with defaults', () => {
    const env = { SECRET_KEY, ALLOWED_HOSTS: 'example.com' };
    const defaults = defineSettings({ envFile: false, env });
    expect([defaults.MEDIA_URL, defaults.MEDIA_ROOT, defaults.MEDIA_MAX_UPLOAD_BYTES]).toEqual([
      '/media/',
      undefined,
      10_485_760,
    ]);
    const set = defineSettings({
      envFile: false,
      env: { ...env, MEDIA_ROOT: '/var/media', MEDIA_URL: '/u/', MEDIA_MAX_UPLOAD_BYTES: '0' },
    });
    expect([set.MEDIA_URL, set.MEDIA_ROOT, set.MEDIA_MAX_UPLOAD_BYTES]).toEqual(['/u/', '/var/media', 0]);
    expect(() => defineSettings({ envFile: false, env: { ...env, MEDIA_MAX_UPLOAD_BYTES: '10MB' } })).toThrow(
      /MEDIA_MAX_UPLOAD_BYTES: expected a whole number of bytes/,
    );
  });
});

const nginxBinary = ['/usr/sbin/nginx', '/usr/bin/nginx', 'nginx'].find((bin) => spawnSync(bin, ['-v']).status === 0);

describe('generateNginxConfig with media', () => {
  const site = generateNginxConfig({
    serverName: 'example.com',
    tls: false,
    staticRoot: '/srv/app/static',
    mediaRoot: '/var/lib/app/media',
  });

  it('adds a /media/ location with the safe headers, inline only for raster images, audio and video', () => {
    const block = site.slice(site.indexOf('location /media/ {'), site.indexOf('location ^~ /media/private/'));
    expect(block).toContain('alias /var/lib/app/media/;');
    for (const header of [
      'add_header X-Content-Type-Options nosniff always;',
      `add_header Content-Security-Policy "default-src 'none'; sandbox" always;`,
    ]) {
      expect(block.split(header).length - 1, header).toBe(2); // the block and its nested inline location
    }
    expect(block).toContain('add_header Content-Disposition "attachment" always;');
    expect(block).toContain('add_header Content-Disposition "inline" always;');
    expect(block).not.toMatch(/svg|html/);
    expect(site).toMatch(/location \^~ \/media\/private\/ \{\n\s+proxy_pass http:\/\/app_example_com;/);
    expect(generateNginxConfig({ serverName: 'example.com', tls: false })).not.toContain('/media/');
    expect(() => generateNginxConfig({ serverName: 'example.com', mediaRoot: '/m', mediaUrl: '/static/m/' })).toThrow(
      /Expected `mediaUrl` to be a prefix apart from staticUrl/,
    );
  });

  it.runIf(nginxBinary)('passes the real `nginx -t` without warnings', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adv-nginx-media-'));
    writeFileSync(join(dir, 'site.conf'), site);
    const conf = join(dir, 'nginx.conf');
    writeFileSync(
      conf,
      `daemon off;\nmaster_process off;\npid ${dir}/nginx.pid;\nerror_log stderr warn;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`).join('\n')}\n  include ${dir}/site.conf;\n}\n`,
    );
    const result = spawnSync(nginxBinary ?? 'nginx', ['-t', '-p', dir, '-c', conf, '-e', 'stderr'], {
      encoding: 'utf8',
    });
    const output = `${result.stdout}${result.stderr}`;
    expect(output).toContain('test is successful');
    expect(output).not.toContain('[warn]');
    expect(result.status).toBe(0);
  });
});
