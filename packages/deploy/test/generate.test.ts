import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, request, type Server } from 'node:http';
import { connect as connectHttp2 } from 'node:http2';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../../scripts/test-services.js';
import { collectStatic, generateDockerfile, generateNginxConfig, generateSystemdUnit } from '../src/index.js';

const nginxBinary = ['/usr/sbin/nginx', '/usr/bin/nginx', 'nginx'].find((bin) => spawnSync(bin, ['-v']).status === 0);
if (!nginxBinary && !process.env.CI) {
  console.warn(
    '\n  !!! nginx is not installed: the `nginx -t` tests of @adv/deploy are SKIPPED (apt-get install nginx) !!!\n',
  );
}
const tls = {
  certificate: fileURLToPath(new URL('./fixtures/tls/cert.pem', import.meta.url)),
  certificateKey: fileURLToPath(new URL('./fixtures/tls/key.pem', import.meta.url)),
};

/** Wraps a site config in a minimal nginx.conf that runs unprivileged in `dir`. */
function mainConfig(dir: string, site: string): string {
  writeFileSync(join(dir, 'site.conf'), site);
  const conf = join(dir, 'nginx.conf');
  writeFileSync(
    conf,
    `daemon off;\nmaster_process off;\npid ${dir}/nginx.pid;\nerror_log stderr warn;\nevents { worker_connections 64; }\nhttp {\n  access_log off;\n${['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `  ${t}_temp_path ${dir}/${t};`).join('\n')}\n  include ${dir}/site.conf;\n}\n`,
  );
  return conf;
}

function nginxTest(site: string): { status: number | null; output: string } {
  const dir = mkdtempSync(join(tmpdir(), 'adv-nginx-'));
  const conf = mainConfig(dir, site);
  const result = spawnSync(nginxBinary ?? 'nginx', ['-t', '-p', dir, '-c', conf, '-e', 'stderr'], { encoding: 'utf8' });
  return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe('nginx is available in CI', () => {
  it('is installed when CI=true (.ci/run installs it)', () => {
    if (process.env.CI) expect(nginxBinary, 'nginx must be installed in CI').toBeDefined();
    else expect(typeof (nginxBinary ?? 'missing')).toBe('string');
  });
});

describe.runIf(nginxBinary)('generateNginxConfig with the real nginx', () => {
  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('passes `nginx -t` with TLS, HTTP/2, several names and upstreams, static files', () => {
    const site = generateNginxConfig({
      serverName: ['example.com', 'www.example.com'],
      upstreams: ['127.0.0.1:3000', '127.0.0.1:3001', 'unix:/run/app.sock'],
      staticRoot: '/srv/app/static',
      tls,
    });
    const result = nginxTest(site);
    expect(result.output).toContain('test is successful');
    expect(result.output).not.toContain('[warn]');
    expect(result.status).toBe(0);
  });

  it('refuses unknown hosts with a default server (444 / TLS handshake rejected) and hides the version on every server', () => {
    const site = generateNginxConfig({ serverName: 'example.com', tls });
    const servers = site.split(/\n(?=server \{)/).filter((block) => block.startsWith('server {'));
    expect(servers).toHaveLength(4); // default HTTP, default TLS, the redirect, the site
    for (const server of servers) expect(server).toContain('server_tokens off;');
    expect(servers[0]).toContain('listen 80 default_server;');
    expect(servers[0]).toContain('return 444;');
    expect(servers[1]).toContain('listen 443 ssl http2 default_server;');
    expect(servers[1]).toContain('ssl_reject_handshake on;');
    expect(site).not.toMatch(/return 301 https:\/\/\$host[^;]*;[\s\S]*default_server/); // the redirect is not the default
    const off = generateNginxConfig({ serverName: 'example.com', tls, defaultServer: false });
    expect(off).not.toContain('default_server');
    expect(nginxTest(off).status).toBe(0);
    const plain = nginxTest(generateNginxConfig({ serverName: 'example.com', tls: false }));
    expect(plain.output).not.toContain('[warn]');
    expect(plain.status).toBe(0);
    expect(() => generateNginxConfig({ serverName: 'example.com', defaultServer: 'yes' as never })).toThrow(
      /Expected `defaultServer` to be a boolean/,
    );
  });

  it('passes `nginx -t` without TLS, and fails on a broken config (the test can fail)', () => {
    expect(nginxTest(generateNginxConfig({ serverName: 'example.com', tls: false })).status).toBe(0);
    const broken = nginxTest(
      `${generateNginxConfig({ serverName: 'example.com', tls: false })}\nserver { listen 80 }\n`,
    );
    expect(broken.status).not.toBe(0);
  });

  it('serves static files with immutable caching and proxies with replaced forwarding headers', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adv-nginx-run-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'app.js'), `console.log(${JSON.stringify('y'.repeat(3000))});`);
    const { manifest } = await collectStatic(join(dir, 'src'), join(dir, 'static'));
    mkdirSync(join(dir, 'media', 'uploads'), { recursive: true });
    writeFileSync(
      join(dir, 'media', 'uploads', 'cat.png'),
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    writeFileSync(join(dir, 'media', 'uploads', 'page.html'), '<script>alert(1)</script>');
    const upstream = createServer((request, response) => {
      response.setHeader('content-type', 'application/json');
      response.end(JSON.stringify(request.headers));
    });
    upstream.on('upgrade', (request, socket) => {
      socket.end(
        `HTTP/1.1 101 Switching Protocols\r\nUpgrade: ${request.headers.upgrade}\r\nConnection: Upgrade\r\nX-Seen-Connection: ${request.headers.connection}\r\n\r\n`,
      );
    });
    servers.push(upstream);
    const appPort = await freePort();
    await new Promise<void>((r) => upstream.listen(appPort, '127.0.0.1', r));
    // Start nginx on a free port; if another process grabbed the port meanwhile, nginx exits: retry.
    let port = 0;
    for (let attempt = 0; attempt < 5 && port === 0; attempt++) {
      const candidate = await freePort();
      const site = generateNginxConfig({
        serverName: ['localhost', '127.0.0.1'],
        upstreams: [`127.0.0.1:${appPort}`],
        staticRoot: join(dir, 'static'),
        mediaRoot: join(dir, 'media'),
        tls: false,
        httpPort: candidate,
        ipv6: false,
      });
      const conf = mainConfig(dir, site);
      const child = spawn(nginxBinary ?? 'nginx', ['-p', dir, '-c', conf, '-e', 'stderr'], { stdio: 'ignore' });
      children.push(child);
      for (let i = 0; i < 200 && child.exitCode === null && port === 0; i++) {
        const up = await fetch(`http://127.0.0.1:${candidate}/static/app.js`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (up) port = candidate;
        else await new Promise((r) => setTimeout(r, 100));
      }
      if (port === 0) child.kill('SIGKILL');
    }
    expect(port, 'nginx did not start').toBeGreaterThan(0);
    const base = `http://127.0.0.1:${port}`;
    const hashed = await fetch(`${base}/static/${manifest.paths['app.js']}`, {
      headers: { 'accept-encoding': 'gzip' },
    });
    expect(hashed.status).toBe(200);
    expect(hashed.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(hashed.headers.get('content-encoding')).toBe('gzip'); // gzip_static served the .gz collectStatic wrote
    expect(hashed.headers.get('x-content-type-options')).toBe('nosniff');
    expect(hashed.headers.get('server')).toBe('nginx'); // server_tokens off: no version
    const plain = await fetch(`${base}/static/app.js`);
    expect(plain.headers.get('cache-control')).toBe('public, max-age=60');
    expect(plain.headers.get('x-content-type-options')).toBe('nosniff');
    // Media: the safe headers on every file, inline only for images; private/ goes to the app.
    const image = await fetch(`${base}/media/uploads/cat.png`);
    expect(image.status).toBe(200);
    // (this minimal nginx.conf has no `include mime.types`, so the type is default_type's)
    expect(image.headers.get('content-type')).toBe('application/octet-stream');
    expect(image.headers.get('content-disposition')).toBe('inline');
    const page = await fetch(`${base}/media/uploads/page.html`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-disposition')).toBe('attachment');
    for (const response of [image, page]) {
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    }
    expect([403, 405]).toContain((await fetch(`${base}/media/uploads/cat.png`, { method: 'POST' })).status);
    const privateFile = await fetch(`${base}/media/private/x.pdf`);
    expect(privateFile.headers.get('content-type')).toBe('application/json'); // answered by the app upstream
    const proxied = await fetch(`${base}/page`, {
      headers: { 'x-forwarded-proto': 'https', 'x-forwarded-for': '6.6.6.6', 'x-request-id': 'abc' },
    });
    const seen = (await proxied.json()) as Record<string, string>;
    expect(seen['x-forwarded-proto']).toBe('http'); // a client cannot claim HTTPS through the proxy
    expect(seen['x-forwarded-for']).toBe('127.0.0.1');
    expect(seen['x-request-id']).toMatch(/^[0-9a-f]{32}$/);
    const upgraded = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request({
        host: '127.0.0.1',
        port,
        path: '/ws',
        headers: {
          connection: 'Upgrade',
          upgrade: 'websocket',
          'sec-websocket-version': '13',
          'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
        },
      });
      req.on('upgrade', (response, socket) => {
        socket.destroy();
        resolve(response);
      });
      req.on('response', (response) => reject(new Error(`no upgrade: ${response.statusCode}`)));
      req.on('error', reject);
      req.end();
    });
    expect(upgraded.statusCode).toBe(101);
    expect(upgraded.headers['x-seen-connection']).toBe('upgrade'); // the WebSocket map forwarded the upgrade
    // Another Host reaches the default server: nginx closes the connection without an answer (444).
    await expect(getWithHost(port, 'evil.example')).rejects.toThrow(/socket hang up|ECONNRESET/);
    expect((await getWithHost(port, 'localhost')).statusCode).toBe(200);
  }, 30_000);
});

const systemdAnalyze = ['/usr/bin/systemd-analyze', '/bin/systemd-analyze'].find(
  (bin) => spawnSync(bin, ['--version']).status === 0,
);
if (!systemdAnalyze) {
  console.warn(
    '\n  !!! systemd-analyze is not installed: the systemd unit verification of @adv/deploy is SKIPPED !!!\n',
  );
}

/** `systemd-analyze verify` on a unit: it exits 0 even on unknown keys, so its warnings are the verdict. */
function verifyUnit(unit: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'adv-systemd-'));
  writeFileSync(join(dir, 'server.js'), '');
  const file = join(dir, 'adv-test.service');
  writeFileSync(file, unit);
  const result = spawnSync(systemdAnalyze ?? 'systemd-analyze', ['verify', file], { encoding: 'utf8' });
  return `${result.stdout}${result.stderr}`.trim() + (result.status === 0 ? '' : `\nexit ${result.status}`);
}

describe.runIf(systemdAnalyze)('generateSystemdUnit with the real systemd-analyze verify', () => {
  it('verifies without a warning, and a broken unit does not (the test can fail)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adv-systemd-app-'));
    writeFileSync(join(dir, 'server.js'), '');
    const unit = generateSystemdUnit({
      name: 'shop',
      user: 'root', // a user that exists on every machine verify runs on
      workingDirectory: dir,
      node: process.execPath,
      entry: 'server.js',
      writablePaths: [dir],
    });
    expect(verifyUnit(unit)).toBe('');
    expect(verifyUnit(unit.replace('Restart=on-failure', 'Restart=sometimes'))).toContain('restart');
    expect(verifyUnit(unit.replace('KillMode=mixed', 'KillMood=mixed'))).toContain('KillMood');
  });
});

/** GET over plain HTTP/1.1 to 127.0.0.1 with the given Host header. */
function getWithHost(port: number, host: string): Promise<IncomingMessage> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/page', headers: { host } }, (response) => {
      response.resume();
      response.on('end', () => resolve(response));
    });
    req.on('error', reject);
    req.end();
  });
}

/** GET over HTTP/2 + TLS (the fixture certificate is self-signed), with the negotiated protocol. */
function getHttp2(
  port: number,
  path: string,
  name = 'localhost',
): Promise<{ alpn: string; status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const session = connectHttp2(`https://127.0.0.1:${port}`, { rejectUnauthorized: false, servername: name });
    session.on('error', reject);
    const stream = session.request({ ':path': path, ':authority': name, 'x-forwarded-proto': 'http' });
    let body = '';
    let headers: Record<string, unknown> = {};
    stream.setEncoding('utf8');
    stream.on('response', (h) => {
      headers = h;
    });
    stream.on('data', (chunk: string) => {
      body += chunk;
    });
    stream.on('end', () => {
      const alpn = String(session.alpnProtocol);
      session.close();
      resolve({ alpn, status: Number(headers[':status']), headers, body });
    });
    stream.on('error', reject);
    stream.end();
  });
}

describe.runIf(nginxBinary)('generateNginxConfig over TLS with the real nginx', () => {
  const children: ChildProcess[] = [];
  const servers: Server[] = [];
  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  it('serves HTTP/2 over TLS, redirects plain HTTP to HTTPS and tells the app the request was HTTPS', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adv-nginx-tls-'));
    mkdirSync(join(dir, 'src'));
    writeFileSync(join(dir, 'src', 'app.css'), `body { color: red; }\n${'.x { margin: 0; }\n'.repeat(50)}`);
    const { manifest } = await collectStatic(join(dir, 'src'), join(dir, 'static'));
    const upstream = createServer((req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(req.headers));
    });
    servers.push(upstream);
    const appPort = await freePort();
    await new Promise<void>((r) => upstream.listen(appPort, '127.0.0.1', r));
    let ports: [number, number] | undefined;
    for (let attempt = 0; attempt < 5 && !ports; attempt++) {
      const candidate: [number, number] = [await freePort(), await freePort()];
      if (candidate[0] === candidate[1]) continue;
      const site = generateNginxConfig({
        serverName: ['localhost', '127.0.0.1'],
        upstreams: [`127.0.0.1:${appPort}`],
        staticRoot: join(dir, 'static'),
        tls,
        httpPort: candidate[0],
        httpsPort: candidate[1],
        ipv6: false,
      });
      const child = spawn(nginxBinary ?? 'nginx', ['-p', dir, '-c', mainConfig(dir, site), '-e', 'stderr'], {
        stdio: 'ignore',
      });
      children.push(child);
      for (let i = 0; i < 200 && child.exitCode === null && !ports; i++) {
        const up = await getHttp2(candidate[1], '/static/app.css').then(
          (r) => r.status === 200,
          () => false,
        );
        if (up) ports = candidate;
        else await new Promise((r) => setTimeout(r, 100));
      }
      if (!ports) child.kill('SIGKILL');
    }
    expect(ports, 'nginx did not start').toBeDefined();
    const [httpPort, httpsPort] = ports ?? [0, 0];

    const hashed = await getHttp2(httpsPort, `/static/${manifest.paths['app.css']}`);
    expect(hashed.alpn).toBe('h2');
    expect(hashed.status).toBe(200);
    expect(hashed.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(hashed.body).toContain('body { color: red; }');

    const proxied = await getHttp2(httpsPort, '/page?x=1');
    expect(proxied.alpn).toBe('h2');
    const seen = JSON.parse(proxied.body) as Record<string, string>;
    expect(seen['x-forwarded-proto']).toBe('https'); // set by nginx, the client's `http` is replaced
    expect(seen.host).toBe('localhost');

    const redirect = await fetch(`http://127.0.0.1:${httpPort}/login?next=%2F`, { redirect: 'manual' });
    expect(redirect.status).toBe(301);
    expect(redirect.headers.get('location')).toBe(`https://127.0.0.1:${httpsPort}/login?next=%2F`);
    expect(redirect.headers.get('server')).toBe('nginx'); // server_tokens off on the plain-HTTP server too

    // Unknown hosts: no redirect over HTTP (444), no handshake over TLS.
    await expect(getWithHost(httpPort, 'evil.example')).rejects.toThrow(/socket hang up|ECONNRESET/);
    await expect(getHttp2(httpsPort, '/', 'evil.example')).rejects.toThrow(/alert|handshake|SSL|ECONNRESET/i);
  }, 40_000);
});

describe('generators', () => {
  it('refuse values that would inject directives', () => {
    expect(() => generateNginxConfig({ serverName: 'example.com; include /etc/passwd' })).toThrow(
      /Expected `serverName\[0\]` to be a host name/,
    );
    expect(() => generateNginxConfig({ serverName: 'a.com', upstreams: ['127.0.0.1:3000;}'] })).toThrow(
      /Expected `upstreams\[0\]`/,
    );
    expect(() => generateNginxConfig({ serverName: 'a.com', staticRoot: '/srv/x { }' })).toThrow(
      /Expected `staticRoot`/,
    );
    expect(() => generateNginxConfig({ serverName: [] })).toThrow(/Expected `serverName`/);
    expect(() => generateSystemdUnit({ user: 'root\nExecStartPre=/bin/sh' })).toThrow(/Expected `user`/);
    expect(() => generateSystemdUnit({ writablePaths: ['relative/path'] })).toThrow(/Expected `writablePaths\[0\]`/);
    expect(() => generateDockerfile({ port: 70000 })).toThrow(
      /Expected `port` to be a port number from 1 to 65535, got `70000` \(number\)/,
    );
    expect(() => generateDockerfile({ entry: 'dist/server.js"]\nRUN curl evil' })).toThrow(/Expected `entry`/);
  });

  it('generateDockerfile: multi-stage, non-root, production, health check', () => {
    const text = generateDockerfile({ port: 8080, entry: 'dist/main.js', outputs: ['dist', 'static'] });
    const froms = text.split('\n').filter((l) => l.startsWith('FROM '));
    expect(froms).toEqual([
      'FROM node:20-bookworm-slim AS deps',
      'FROM node:20-bookworm-slim AS build',
      'FROM node:20-bookworm-slim AS runtime',
    ]);
    const runtime = text.slice(text.indexOf('AS runtime'));
    expect(runtime).toContain('ENV NODE_ENV=production');
    expect(runtime).toContain('COPY --from=build --chown=node:node /app/static ./static');
    expect(runtime.indexOf('USER node')).toBeLessThan(runtime.indexOf('CMD ['));
    expect(runtime).not.toMatch(/npm ci(?! --omit)/);
    expect(text).toContain("fetch('http://127.0.0.1:8080/healthz')");
    expect(text.trimEnd().endsWith('CMD ["node", "dist/main.js"]')).toBe(true);
  });

  it('generateSystemdUnit: unprivileged, reload = SIGHUP, hardened', () => {
    const text = generateSystemdUnit({ name: 'shop', user: 'shop', writablePaths: ['/srv/shop/data'] });
    for (const line of [
      'User=shop',
      'Environment=NODE_ENV=production',
      'EnvironmentFile=-/etc/app/env',
      'ExecStart=/usr/bin/node dist/server.js',
      'ExecReload=/bin/kill -HUP $MAINPID',
      'KillSignal=SIGTERM',
      'Restart=on-failure',
      'NoNewPrivileges=true',
      'ProtectSystem=strict',
      'ReadWritePaths=/srv/shop/data',
      'WantedBy=multi-user.target',
    ]) {
      expect(text.split('\n')).toContain(line);
    }
  });
});
