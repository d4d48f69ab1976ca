import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskStorage } from '../src/media/disk.js';
import { s3Storage } from '../src/media/s3.js';
import { serveMedia, signMediaUrl } from '../src/media/serve.js';
import type { Storage } from '../src/media/storage.js';
import { png } from './media/http.js';
import { type RunningS3, startS3 } from './media/s3-server.js';

const SECRET = 'q8Vt3xN1bL6zR0wYk5Jm2Hc9Pf4Gd7Sa8Ue1Ii3Oo6Ll0Zx5Cv2Bn9Mq4Wr7Ty';
const root = mkdtempSync(join(tmpdir(), 'adv-serve-media-'));
const storage = diskStorage({ root });
const next = async () => new Response('from the app', { status: 200 });
const media = serveMedia({ storage, secretKey: SECRET });
const get = (path: string, headers: Record<string, string> = {}, method = 'GET') =>
  media(new Request(`http://example.com${path}`, { method, headers }), next);

beforeAll(async () => {
  await storage.save('photos/cat.png', png());
  await storage.save('docs/page.html', '<html><script>alert(1)</script></html>');
  await storage.save('docs/logo.svg', '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
  await storage.save('docs/ten.txt', '0123456789');
  await storage.save('private/invoice.pdf', '%PDF-1.4 private');
});
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('serveMedia', () => {
  it('serves an image inline with nosniff, a sandboxing CSP, validators and caching', async () => {
    const response = await get('/media/photos/cat.png');
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer())).toEqual(png());
    expect(Object.fromEntries(response.headers)).toMatchObject({
      'content-type': 'image/png',
      'content-disposition': 'inline',
      'x-content-type-options': 'nosniff',
      'content-security-policy': "default-src 'none'; sandbox",
      'accept-ranges': 'bytes',
      'cache-control': 'public, max-age=3600',
      'content-length': String(png().length),
    });
    expect(response.headers.get('etag')).toMatch(/^".+"$/);
    expect(response.headers.get('last-modified')).toMatch(/GMT$/);
  });

  it('never renders HTML or SVG inline: attachment, still nosniff and sandboxed', async () => {
    for (const [path, file] of [
      ['/media/docs/page.html', 'page.html'],
      ['/media/docs/logo.svg', 'logo.svg'],
      ['/media/docs/ten.txt', 'ten.txt'],
    ]) {
      const response = await get(path ?? '');
      expect(response.status).toBe(200);
      expect(response.headers.get('content-disposition')).toBe(`attachment; filename="${file}"`);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    }
  });

  it('other paths go to the app; bad names and missing files are 404; POST is 405', async () => {
    expect(await (await get('/static/app.css')).text()).toBe('from the app');
    // The URL parser resolves dot segments first: these leave /media/ and never reach the storage.
    expect(await (await get('/media/../secret')).text()).toBe('from the app');
    expect(await (await get('/media/%2e%2e/secret')).text()).toBe('from the app');
    for (const path of [
      '/media/..%2fsecret',
      '/media/photos%2f..%2f..%2fsecret',
      '/media/photos/missing.png',
      '/media/%E0%A4%A',
      '/media/.env',
    ]) {
      const response = await get(path);
      expect(response.status, path).toBe(404);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    }
    expect((await get('/media/photos/cat.png', {}, 'POST')).status).toBe(405);
  });

  // Range cases as in RFC 9110 §14.1.2's examples: first bytes, a suffix, an open end, unsatisfiable.
  it('serves single byte ranges (206) and refuses unsatisfiable ones (416)', async () => {
    const cases: [string, number, string | null, string][] = [
      ['bytes=0-3', 206, 'bytes 0-3/10', '0123'],
      ['bytes=-3', 206, 'bytes 7-9/10', '789'],
      ['bytes=5-', 206, 'bytes 5-9/10', '56789'],
      ['bytes=8-100', 206, 'bytes 8-9/10', '89'],
      ['bytes=0-1,4-5', 200, null, '0123456789'], // several ranges: the whole file is a valid answer
    ];
    for (const [range, status, contentRange, body] of cases) {
      const response = await get('/media/docs/ten.txt', { range });
      expect(response.status, range).toBe(status);
      expect(response.headers.get('content-range'), range).toBe(contentRange);
      expect(await response.text(), range).toBe(body);
    }
    const unsatisfiable = await get('/media/docs/ten.txt', { range: 'bytes=10-20' });
    expect(unsatisfiable.status).toBe(416);
    expect(unsatisfiable.headers.get('content-range')).toBe('bytes */10');
    const etag = (await get('/media/docs/ten.txt')).headers.get('etag') ?? '';
    expect((await get('/media/docs/ten.txt', { range: 'bytes=0-1', 'if-range': etag })).status).toBe(206);
    expect((await get('/media/docs/ten.txt', { range: 'bytes=0-1', 'if-range': '"stale"' })).status).toBe(200);
  });

  it('answers conditional requests with 304', async () => {
    const first = await get('/media/photos/cat.png');
    const etag = first.headers.get('etag') ?? '';
    const lastModified = first.headers.get('last-modified') ?? '';
    expect((await get('/media/photos/cat.png', { 'if-none-match': etag })).status).toBe(304);
    expect((await get('/media/photos/cat.png', { 'if-none-match': `"other", W/${etag}` })).status).toBe(304);
    expect((await get('/media/photos/cat.png', { 'if-none-match': '"other"' })).status).toBe(200);
    expect((await get('/media/photos/cat.png', { 'if-modified-since': lastModified })).status).toBe(304);
    expect((await get('/media/photos/cat.png', { 'if-modified-since': 'Thu, 01 Jan 1970 00:00:00 GMT' })).status).toBe(
      200,
    );
  });

  it('private files need a valid, unexpired signature (403 otherwise)', async () => {
    expect((await get('/media/private/invoice.pdf')).status).toBe(403);
    const signedAt = Math.floor(Date.now() / 1000);
    const signed = signMediaUrl('private/invoice.pdf', { secretKey: SECRET, expiresIn: 300 });
    expect(signed).toMatch(/^\/media\/private\/invoice\.pdf\?expires=\d+&signature=[\w-]+$/);
    const ok = await get(signed);
    const secondsPassed = Math.floor(Date.now() / 1000) - signedAt;
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe('%PDF-1.4 private');
    expect(ok.headers.get('content-disposition')).toBe('attachment; filename="invoice.pdf"');
    // What is left of the signature's 300 s, in whole seconds (however long a busy machine took).
    const maxAge = Number(/^private, max-age=(\d+)$/.exec(ok.headers.get('cache-control') ?? '')?.[1]);
    expect(maxAge).toBeLessThanOrEqual(300);
    expect(maxAge).toBeGreaterThanOrEqual(300 - secondsPassed);

    const expired = signMediaUrl('private/invoice.pdf', {
      secretKey: SECRET,
      expiresIn: 60,
      now: () => Date.now() - 120_000,
    });
    expect((await get(expired)).status).toBe(403);
    const forged = signed.replace(/signature=./, (s) => `signature=${s.endsWith('A') ? 'B' : 'A'}`);
    expect((await get(forged)).status).toBe(403);
    const otherKey = signMediaUrl('private/invoice.pdf', { secretKey: `${SECRET}x`, expiresIn: 300 });
    expect((await get(otherKey)).status).toBe(403);
    const longer = signed.replace(/expires=(\d+)/, (_, n) => `expires=${Number(n) + 1000}`);
    expect((await get(longer)).status).toBe(403);
    // A signature for one file does not open another.
    const query = signed.slice(signed.indexOf('?'));
    await storage.save('private/other.pdf', 'other');
    expect((await get(`/media/private/other.pdf${query}`)).status).toBe(403);
    // Without a secret key, private files are never served.
    const noKey = serveMedia({ storage });
    expect((await noKey(new Request(`http://example.com${signed}`), next)).status).toBe(403);
  });

  it('validates its options and signMediaUrl', () => {
    expect(() => serveMedia({ storage, prefix: 'media/' })).toThrow(
      'Expected `prefix` to be a path starting and ending with `/`',
    );
    expect(() => serveMedia({ storage, maxAge: -1 })).toThrow('Expected `maxAge` to be a non-negative integer');
    expect(() => serveMedia({ storage: {} as Storage })).toThrow('Expected `storage` to be a Storage');
    expect(() => serveMedia({ storage, secret: 'x' } as never)).toThrow(
      /Unknown option `secret`.*did you mean `secretKey`/,
    );
    expect(() => signMediaUrl('../x', { secretKey: SECRET, expiresIn: 1 })).toThrow(
      'Expected `name` to be a safe media file name',
    );
    expect(() => signMediaUrl('x.png', { secretKey: SECRET, expiresIn: 0 })).toThrow(
      'Expected `expiresIn` to be a positive integer',
    );
  });

  it('a storage that is down is 503', async () => {
    const down: Storage = {
      ...storage,
      stat: async () => {
        throw Object.assign(new Error('disk on fire'), { code: 'ERR_STORAGE_UNAVAILABLE' });
      },
    };
    const response = await serveMedia({ storage: down })(new Request('http://example.com/media/photos/cat.png'), next);
    expect(response.status).toBe(503);
  });
});

describe('serveMedia on s3Storage (s3rver)', () => {
  let s3: RunningS3;
  let bucket: Storage;
  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket('served');
    bucket = s3Storage({ bucket: 'served', endpoint: s3.endpoint, credentials: s3.credentials });
    await bucket.save('photos/cat.png', png(), { contentType: 'image/png' });
  }, 60_000);
  afterAll(async () => {
    await s3?.stop();
  });

  it('serves with the recorded type, ranges and 304s', async () => {
    const serve = serveMedia({ storage: bucket });
    const full = await serve(new Request('http://example.com/media/photos/cat.png'), next);
    expect(full.status).toBe(200);
    expect(full.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await full.arrayBuffer())).toEqual(png());
    const part = await serve(
      new Request('http://example.com/media/photos/cat.png', { headers: { range: 'bytes=1-3' } }),
      next,
    );
    expect(part.status).toBe(206);
    expect(await part.text()).toBe('PNG');
    const etag = full.headers.get('etag') ?? '';
    const cached = await serve(
      new Request('http://example.com/media/photos/cat.png', { headers: { 'if-none-match': etag } }),
      next,
    );
    expect(cached.status).toBe(304);
  });
});
