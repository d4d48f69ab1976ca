import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { compose } from '@adv/types';
import { beforeAll, describe, expect, it } from 'vitest';
import { collectStatic, loadManifest, MANIFEST_NAME, serveStatic, staticUrl } from '../src/index.js';

const base = mkdtempSync(join(tmpdir(), 'adv-deploy-static-'));
const src = join(base, 'src');
const dest = join(base, 'out');
const css = `body { background: url("../img/logo.png?v=1#x"); } .a { background: url(data:image/png;base64,AAAA); } ${'.pad { color: red; }\n'.repeat(40)}`;
const js = `console.log(${JSON.stringify('x'.repeat(2000))});`;

beforeAll(async () => {
  mkdirSync(join(src, 'css'), { recursive: true });
  mkdirSync(join(src, 'img'), { recursive: true });
  mkdirSync(join(src, 'js'), { recursive: true });
  writeFileSync(join(src, 'css', 'app.css'), css);
  writeFileSync(
    join(src, 'css', 'base.css'),
    '@import url("theme/dark.css");\n@import "theme/dark.css";\n.b { color: blue; }',
  );
  mkdirSync(join(src, 'css', 'theme'));
  writeFileSync(join(src, 'css', 'theme', 'dark.css'), '.d { background: url(../../img/logo.png); }');
  writeFileSync(join(src, 'img', 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
  writeFileSync(join(src, 'js', 'app.js'), js);
  writeFileSync(join(src, 'tiny.txt'), 'hi');
  writeFileSync(join(src, '.env'), 'SECRET_KEY=leak');
  writeFileSync(join(base, 'secret.txt'), 'TOP SECRET');
  await collectStatic(src, dest);
  symlinkSync(join(base, 'secret.txt'), join(dest, 'escape.txt'));
});

const notFoundApp = async () => new Response('app 404', { status: 404 });
const app = () => compose(serveStatic({ root: dest }))(notFoundApp);
const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  app()(new Request(`http://localhost${path}`, { headers, method }));

describe('collectStatic', () => {
  it('writes originals, hashed copies, compressed variants and a manifest', async () => {
    const manifest = await loadManifest(dest);
    expect(manifest.paths['js/app.js']).toMatch(/^js\/app\.[0-9a-f]{12}\.js$/);
    expect(manifest.paths['img/logo.png']).toMatch(/^img\/logo\.[0-9a-f]{12}\.png$/);
    expect(manifest.paths['.env']).toBeUndefined();
    expect(existsSync(join(dest, '.env'))).toBe(false);
    const hashedJs = join(dest, manifest.paths['js/app.js'] ?? '');
    expect(readFileSync(hashedJs, 'utf8')).toBe(js);
    expect(gunzipSync(readFileSync(`${hashedJs}.gz`)).toString()).toBe(js);
    expect(brotliDecompressSync(readFileSync(`${hashedJs}.br`)).toString()).toBe(js);
    expect(existsSync(join(dest, 'img', 'logo.png.gz'))).toBe(false); // already compressed type
    expect(existsSync(join(dest, 'tiny.txt.gz'))).toBe(false); // too small
    expect(JSON.parse(readFileSync(join(dest, MANIFEST_NAME), 'utf8')).paths).toEqual(manifest.paths);
  });

  it('rewrites CSS url() references to hashed names and hashes the rewritten CSS', async () => {
    const manifest = await loadManifest(dest);
    const out = readFileSync(join(dest, manifest.paths['css/app.css'] ?? ''), 'utf8');
    const logo = (manifest.paths['img/logo.png'] ?? '').slice('img/'.length);
    expect(out).toContain(`url("../img/${logo}?v=1#x")`);
    expect(out).toContain('url(data:image/png;base64,AAAA)');
  });

  it('rewrites CSS that references CSS until the hashes settle', async () => {
    const manifest = await loadManifest(dest);
    const dark = manifest.paths['css/theme/dark.css'] ?? '';
    const base = readFileSync(join(dest, manifest.paths['css/base.css'] ?? ''), 'utf8');
    expect(base).toContain(`@import url("${dark.slice('css/'.length)}")`);
    expect(base).toContain(`@import "${dark.slice('css/'.length)}"`);
    const darkCss = readFileSync(join(dest, dark), 'utf8');
    expect(darkCss).toContain(`url(../../${manifest.paths['img/logo.png']})`);
  });

  it('is deterministic: same content, same names', async () => {
    const again = await collectStatic(src, join(base, 'out2'));
    const first = await loadManifest(dest);
    expect(again.manifest.paths).toEqual(first.paths);
    expect(Object.keys(again.manifest.paths)).toEqual(Object.keys(first.paths).sort());
    expect(again.manifest.hash).toBe(first.hash);
    expect(readFileSync(join(base, 'out2', MANIFEST_NAME), 'utf8')).toBe(
      readFileSync(join(dest, MANIFEST_NAME), 'utf8'),
    );
    expect(again.files).toBe(6);
    expect(again.compressed).toBeGreaterThan(0);
  });

  it('staticUrl resolves hashed names', async () => {
    const manifest = await loadManifest(dest);
    expect(staticUrl(manifest, '/js/app.js')).toBe(`/static/${manifest.paths['js/app.js']}`);
    expect(staticUrl(manifest, 'unknown.js', '/assets')).toBe('/assets/unknown.js');
  });

  it('stops on an aborted signal without writing a manifest', async () => {
    const out = join(base, 'aborted');
    const controller = new AbortController();
    controller.abort(new Error('build cancelled'));
    await expect(collectStatic(src, out, { signal: controller.signal })).rejects.toThrow('build cancelled');
    expect(existsSync(join(out, MANIFEST_NAME))).toBe(false);
    const midway = new AbortController();
    const run = collectStatic(src, join(base, 'aborted-midway'), { signal: midway.signal });
    midway.abort(new Error('stop'));
    await expect(run).rejects.toThrow('stop');
    expect(existsSync(join(base, 'aborted-midway', MANIFEST_NAME))).toBe(false);
    await expect(collectStatic(src, out, { signal: 'x' as never })).rejects.toThrow(/Expected `signal`/);
  });

  it('fails clearly on bad input', async () => {
    await expect(collectStatic(join(base, 'missing'), dest)).rejects.toMatchObject({ code: 'ERR_STATIC_SOURCE' });
    await expect(collectStatic(src, dest, { hashLength: 2 })).rejects.toThrow(
      /Expected `hashLength` to be an integer from 6 to 32, got `2` \(number\)/,
    );
    await expect(collectStatic(src, dest, { compress: ['zip' as never] })).rejects.toThrow(/Expected `compress`/);
    await expect(loadManifest(base)).rejects.toMatchObject({ code: 'ERR_MANIFEST' });
  });
});

describe('serveStatic', () => {
  it('serves hashed names as immutable and others briefly', async () => {
    const manifest = await loadManifest(dest);
    const hashed = await get(`/static/${manifest.paths['img/logo.png']}`);
    expect(hashed.status).toBe(200);
    expect(hashed.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(hashed.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await hashed.arrayBuffer())).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47, 1, 2, 3]));
    const plain = await get('/static/img/logo.png');
    expect(plain.headers.get('cache-control')).toBe('public, max-age=60');
  });

  it.each([
    ['captions.vtt', 'text/vtt; charset=utf-8'],
    ['chime.wav', 'audio/wav'],
    ['config.yaml', 'text/yaml; charset=utf-8'],
    ['config.YML', 'text/yaml; charset=utf-8'],
    ['app.mjs', 'text/javascript; charset=utf-8'],
    ['site.webmanifest', 'application/manifest+json; charset=utf-8'],
    ['app.js.map', 'application/json; charset=utf-8'],
    ['logo.svg', 'image/svg+xml'],
    ['font.woff2', 'font/woff2'],
    ['blob.unknownext', 'application/octet-stream'],
    ['LICENSE', 'application/octet-stream'],
  ])('sends %s as %s (mime-types; charset on text types, nosniff-safe)', async (name, type) => {
    writeFileSync(join(dest, name), 'content');
    const res = await get(`/static/${name}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(type);
  });

  it('negotiates br, then gzip, then identity', async () => {
    const br = await get('/static/js/app.js', { 'accept-encoding': 'gzip, deflate, br' });
    expect(br.headers.get('content-encoding')).toBe('br');
    expect(br.headers.get('vary')).toBe('Accept-Encoding');
    expect(brotliDecompressSync(Buffer.from(await br.arrayBuffer())).toString()).toBe(js);
    const gz = await get('/static/js/app.js', { 'accept-encoding': 'gzip, br;q=0' });
    expect(gz.headers.get('content-encoding')).toBe('gzip');
    expect(gunzipSync(Buffer.from(await gz.arrayBuffer())).toString()).toBe(js);
    const plain = await get('/static/js/app.js');
    expect(plain.headers.get('content-encoding')).toBeNull();
    expect(await plain.text()).toBe(js);
    expect(br.headers.get('etag')).not.toBe(plain.headers.get('etag'));
  });

  it.each([
    ['gzip;q=1, br;q=0.1', 'gzip'], // the client prefers gzip
    ['br;q=0.5, gzip;q=0.5', 'br'], // tie: the smaller one
    ['br;q=0, *', 'gzip'], // br refused explicitly, * admits gzip
    ['gzip;q=0, *;q=0.3', 'br'],
    ['*', 'br'],
    ['*;q=0', null],
    ['identity', null],
    ['BR', 'br'],
    ['x-gzip', 'gzip'],
    ['gzip;q=abc', null], // an unparsable q-value refuses the coding
    ['', null],
  ])('negotiates Accept-Encoding %j by q-value as %s', async (header, expected) => {
    const res = await get('/static/js/app.js', { 'accept-encoding': header });
    expect(res.headers.get('content-encoding')).toBe(expected);
    const body = Buffer.from(await res.arrayBuffer());
    const text =
      expected === 'br'
        ? brotliDecompressSync(body).toString()
        : expected === 'gzip'
          ? gunzipSync(body).toString()
          : body.toString();
    expect(text).toBe(js);
  });

  it('answers 304 to a matching If-None-Match or If-Modified-Since', async () => {
    const first = await get('/static/css/app.css');
    const etag = first.headers.get('etag') ?? '';
    const again = await get('/static/css/app.css', { 'if-none-match': `"other", ${etag}` });
    expect(again.status).toBe(304);
    expect(await again.text()).toBe('');
    expect((await get('/static/css/app.css', { 'if-none-match': '"other"' })).status).toBe(200);
    const since = await get('/static/css/app.css', { 'if-modified-since': first.headers.get('last-modified') ?? '' });
    expect(since.status).toBe(304);
  });

  it('serves byte ranges, and 416 when unsatisfiable', async () => {
    const part = await get('/static/js/app.js', { range: 'bytes=0-10', 'accept-encoding': 'br' });
    expect(part.status).toBe(206);
    expect(part.headers.get('content-range')).toBe(`bytes 0-10/${js.length}`);
    expect(part.headers.get('content-encoding')).toBeNull();
    expect(await part.text()).toBe(js.slice(0, 11));
    const suffix = await get('/static/js/app.js', { range: 'bytes=-5' });
    expect(await suffix.text()).toBe(js.slice(-5));
    const open = await get('/static/js/app.js', { range: `bytes=${js.length - 3}-` });
    expect(await open.text()).toBe(js.slice(-3));
    const bad = await get('/static/js/app.js', { range: `bytes=${js.length + 10}-` });
    expect(bad.status).toBe(416);
    expect(bad.headers.get('content-range')).toBe(`bytes */${js.length}`);
    expect((await get('/static/js/app.js', { range: 'bytes=0-1,5-6' })).status).toBe(200);
    expect((await get('/static/js/app.js', { range: 'bytes=0-1', 'if-range': '"stale"' })).status).toBe(200);
  });

  it('streams files larger than the in-memory limit, ranges included', async () => {
    const big = Buffer.alloc(600_000);
    for (let i = 0; i < big.length; i++) big[i] = (i * 7919) % 251;
    writeFileSync(join(dest, 'big.bin'), big);
    const full = await get('/static/big.bin');
    expect(full.headers.get('content-length')).toBe(String(big.length));
    expect(Buffer.from(await full.arrayBuffer()).equals(big)).toBe(true);
    const part = await get('/static/big.bin', { range: 'bytes=100000-400000' });
    expect(part.status).toBe(206);
    expect(Buffer.from(await part.arrayBuffer()).equals(big.subarray(100_000, 400_001))).toBe(true);
  });

  it('passes a hashed file deleted after it was served to the app instead of failing', async () => {
    const out = join(base, 'vanishing');
    const { manifest } = await collectStatic(src, out);
    const vanishing = compose(serveStatic({ root: out }))(notFoundApp);
    const path = `/static/${manifest.paths['js/app.js']}`;
    const first = await vanishing(new Request(`http://localhost${path}`));
    expect(await first.text()).toBe(js);
    for (const suffix of ['', '.br', '.gz']) rmSync(join(out, `${manifest.paths['js/app.js']}${suffix}`));
    for (const encoding of ['', 'br']) {
      const again = await vanishing(
        new Request(`http://localhost${path}`, { headers: { 'accept-encoding': encoding } }),
      );
      expect(await again.text()).toBe('app 404');
    }
  });

  it('answers HEAD without a body and passes other methods and misses to the app', async () => {
    const head = await get('/static/js/app.js', {}, 'HEAD');
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe(String(js.length));
    expect(await head.text()).toBe('');
    expect(await (await get('/static/nope.js')).text()).toBe('app 404');
    expect(await (await get('/other/js/app.js')).text()).toBe('app 404');
    expect(await (await get('/static/js/app.js', {}, 'POST')).text()).toBe('app 404');
  });

  it.each([
    '/static/../secret.txt',
    '/static/%2e%2e/secret.txt',
    '/static/..%2fsecret.txt',
    '/static/%2e%2e%2fsecret.txt',
    '/static/css/..%2f..%2f..%2fsecret.txt',
    '/static/css/..%5c..%5csecret.txt',
    '/static/%2fetc%2fpasswd',
    '/static/%5c..%5csecret.txt',
    '/static/secret.txt%00.js',
    '/static/.env',
    '/static/%2eenv',
    '/static/escape.txt',
    '/static/C:%5csecret.txt',
    '/static/%E0%A4%A',
    '/static//secret.txt',
  ])('never serves a file outside root: %s', async (path) => {
    const res = await get(path);
    expect(res.status).toBe(404);
    const body = await res.text();
    expect(body).not.toContain('TOP SECRET');
    expect(body).not.toContain('leak');
  });

  it('rejects bad options', () => {
    expect(() => serveStatic({} as never)).toThrow(/Expected `root` to be a directory path, got `undefined`/);
    expect(() => serveStatic({ root: dest, prefix: 'static' })).toThrow(
      /Expected `prefix` to be a path starting with `\/`/,
    );
    expect(() => serveStatic({ root: dest, maxAge: -1 })).toThrow(/Expected `maxAge`/);
  });
});
