import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { UploadError } from '../src/errors.js';
import { diskStorage } from '../src/media/disk.js';
import type { Storage } from '../src/media/storage.js';
import { handleUpload, type UploadOptions, uploadHandler } from '../src/media/upload.js';
import { gif, multipart, png, type Served, serveFetch } from './media/http.js';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

/** Every regular file under `dir` (temporary ones included). */
function filesUnder(dir: string): string[] {
  return (readdirSync(dir, { recursive: true }) as string[]).filter((p) => statSync(join(dir, p)).isFile());
}

let root: string;
let storage: Storage;
let served: Served | undefined;
const ALLOW = ['image/png', 'image/jpeg'];

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'adv-upload-'));
  roots.push(root);
  storage = diskStorage({ root });
});
afterEach(async () => {
  await served?.close();
  served = undefined;
});

async function serve(options: Partial<UploadOptions> = {}, store: Storage = storage): Promise<string> {
  served = await serveFetch(uploadHandler({ storage: store, allow: ALLOW, ...options }));
  return served.url;
}

async function post(url: string, form: FormData): Promise<{ status: number; json: Record<string, unknown> }> {
  const response = await fetch(url, { method: 'POST', body: form });
  return { status: response.status, json: (await response.json()) as Record<string, unknown> };
}

function file(bytes: Buffer, name: string, type: string): File {
  return new File([new Uint8Array(bytes)], name, { type });
}

describe('handleUpload over real HTTP', () => {
  it('saves an allowed image under a generated name, with the fields', async () => {
    const url = await serve();
    const form = new FormData();
    form.set('title', 'My cat');
    form.set('image', file(png(), 'cat.png', 'image/png'));
    const { status, json } = await post(url, form);
    expect(status).toBe(201);
    const files = json.files as {
      name: string;
      url: string;
      size: number;
      type: string;
      originalName: string;
      field: string;
    }[];
    expect(files).toHaveLength(1);
    expect(files[0]).toMatchObject({ field: 'image', type: 'image/png', size: png().length, originalName: 'cat.png' });
    expect(files[0]?.name).toMatch(/^uploads\/[0-9a-f-]{36}\.png$/);
    expect(files[0]?.url).toBe(`/media/${files[0]?.name}`);
    expect(json.fields).toEqual({ title: 'My cat' });
    expect(readFileSync(join(root, files[0]?.name ?? ''))).toEqual(png());
    expect(filesUnder(root)).toEqual([files[0]?.name]);
  });

  it('names the file by its content: a JPEG sent as photo.png with image/png is stored as .jpg', async () => {
    const url = await serve();
    const jpeg = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0xe0, 0, 0x10]),
      Buffer.from('JFIF\0'),
      Buffer.alloc(64),
    ]);
    const form = new FormData();
    form.set('image', file(jpeg, 'photo.png', 'image/png'));
    const { status, json } = await post(url, form);
    expect(status).toBe(201);
    expect((json.files as { name: string; type: string }[])[0]).toMatchObject({
      type: 'image/jpeg',
      name: expect.stringMatching(/\.jpg$/),
    });
  });

  it('refuses a file larger than maxFileBytes with 413 and leaves nothing on disk', async () => {
    const url = await serve({ maxFileBytes: 64 * 1024 });
    const form = new FormData();
    form.set('image', file(png(2, 2, 200 * 1024), 'big.png', 'image/png'));
    const { status, json } = await post(url, form);
    expect(status).toBe(413);
    expect(json).toMatchObject({ error: 'too-large', message: expect.stringContaining('maxFileBytes (65536)') });
    expect(filesUnder(root)).toEqual([]);
  });

  it('refuses a body larger than maxRequestBytes: from Content-Length, and while streaming (chunked)', async () => {
    const url = await serve({ maxFileBytes: 40_000, maxRequestBytes: 50_000 });
    const form = new FormData();
    form.append('a', file(png(2, 2, 30_000), 'a.png', 'image/png'));
    form.append('b', file(png(2, 2, 30_000), 'b.png', 'image/png'));
    expect((await post(url, form)).status).toBe(413);
    const { body, contentType } = await multipart(form);
    // No Content-Length: the limit fires while streaming.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        url,
        { method: 'POST', headers: { 'content-type': contentType, 'transfer-encoding': 'chunked' } },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      for (let i = 0; i < body.length; i += 8192) req.write(body.subarray(i, i + 8192));
      req.end();
    });
    expect(status).toBe(413);
    expect(filesUnder(root)).toEqual([]);
  });

  it('checks the type by content: a GIF or a text file claiming image/png is 415', async () => {
    const url = await serve();
    for (const bytes of [gif(), Buffer.from('just some text pretending to be a picture')]) {
      const form = new FormData();
      form.set('image', file(bytes, 'innocent.png', 'image/png'));
      const { status, json } = await post(url, form);
      expect(status).toBe(415);
      expect(json.error).toBe('type');
    }
    expect(filesUnder(root)).toEqual([]);
  });

  it('refuses HTML and SVG with script (not identifiable by content), whatever they claim', async () => {
    const url = await serve();
    const svg = Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>');
    const html = Buffer.from('<!doctype html><html><script>alert(document.cookie)</script></html>');
    for (const [bytes, name, type] of [
      [svg, 'logo.svg', 'image/svg+xml'],
      [html, 'page.html', 'text/html'],
      [html, 'photo.png', 'image/png'],
    ] as const) {
      const form = new FormData();
      form.set('image', file(bytes, name, type));
      expect((await post(url, form)).status, name).toBe(415);
    }
    expect(filesUnder(root)).toEqual([]);
    expect(() => uploadHandler({ storage, allow: ['image/png', 'image/svg+xml'] })).toThrow(
      /image\/svg\+xml is text: it cannot be checked and may carry script/,
    );
  });

  it('refuses more files than maxFiles with 413, and removes the ones already saved', async () => {
    const url = await serve({ maxFiles: 2 });
    const form = new FormData();
    for (const n of [1, 2, 3]) form.append('images', file(png(), `${n}.png`, 'image/png'));
    const { status, json } = await post(url, form);
    expect(status).toBe(413);
    expect(json.error).toBe('too-many');
    expect(filesUnder(root)).toEqual([]);
  });

  it('a later bad file removes the earlier good one', async () => {
    const url = await serve();
    const form = new FormData();
    form.append('a', file(png(), 'good.png', 'image/png'));
    form.append('b', file(gif(), 'bad.png', 'image/png'));
    expect((await post(url, form)).status).toBe(415);
    expect(filesUnder(root)).toEqual([]);
  });

  it('ignores the client path: ../, NUL and 300 characters never reach the disk', async () => {
    const url = await serve();
    const form = new FormData();
    form.append('a', file(png(), '../../../etc/passwd.png', 'image/png'));
    form.append('c', file(png(), `${'x'.repeat(300)}.png`, 'image/png'));
    form.append('d', file(png(), '..\\..\\windows.png', 'image/png'));
    const { status, json } = await post(url, form);
    expect(status, JSON.stringify(json)).toBe(201);
    const files = json.files as { name: string; originalName: string }[];
    expect(files.map((f) => f.originalName)).toEqual(['passwd.png', 'x'.repeat(255), 'windows.png']);
    for (const f of files) expect(f.name).toMatch(/^uploads\/[0-9a-f-]{36}\.png$/);
    expect(filesUnder(root).sort()).toEqual(files.map((f) => f.name).sort());
    // A NUL in a part header is not valid multipart: busboy refuses the whole request.
    const nul = new FormData();
    nul.append('b', file(png(), 'evil\0name.png', 'image/png'));
    expect((await post(url, nul)).status).toBe(400);
    expect(filesUnder(root)).toHaveLength(3);
  });

  it('a truncated or malformed multipart body is 400 and leaves nothing', async () => {
    const url = await serve();
    const form = new FormData();
    form.set('image', file(png(2, 2, 10_000), 'cat.png', 'image/png'));
    const { body, contentType } = await multipart(form);
    for (const [bytes, type] of [
      [body.subarray(0, body.length - 200), contentType], // the closing boundary never comes
      [Buffer.from('not multipart at all'), contentType],
      [body, 'multipart/form-data'], // no boundary
      [body, 'application/json'],
    ] as const) {
      const response = await fetch(url, {
        method: 'POST',
        body: new Uint8Array(bytes),
        headers: { 'content-type': type },
      });
      expect(response.status, `${type} ${bytes.length}`).toBe(400);
      expect(((await response.json()) as { error: string }).error).toBe('malformed');
    }
    expect(filesUnder(root)).toEqual([]);
  });

  it('a client that aborts mid-upload leaves no partial file', async () => {
    let started!: () => void;
    const saveStarted = new Promise<void>((resolve) => {
      started = resolve;
    });
    const watched: Storage = {
      ...storage,
      save(name, body, options) {
        const result = storage.save(name, body, options);
        started();
        return result;
      },
    };
    const url = await serve({}, watched);
    const form = new FormData();
    form.set('image', file(png(2, 2, 1024 * 1024), 'cat.png', 'image/png'));
    const { body, contentType } = await multipart(form);
    const { port } = new URL(url);
    const socket = connect(Number(port), '127.0.0.1');
    await once(socket, 'connect');
    socket.write(
      `POST / HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: ${contentType}\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    socket.write(body.subarray(0, 256 * 1024));
    await saveStarted;
    socket.destroy();
    await served?.settled(1);
    expect(filesUnder(root)).toEqual([]);
  });

  it('a storage that is down is 503 (ERR_STORAGE_UNAVAILABLE), and handleUpload throws a typed UploadError', async () => {
    const broken = diskStorage({ root: join(root, 'missing-parent', 'x') });
    const blocker = join(root, 'missing-parent');
    (await import('node:fs')).writeFileSync(blocker, 'a file where a directory should be');
    const url = await serve({}, broken);
    const form = new FormData();
    form.set('image', file(png(), 'cat.png', 'image/png'));
    const { status, json } = await post(url, form);
    expect(status).toBe(503);
    expect(json.error).toBe('storage');
    const request = new Request('http://x/', { method: 'POST', body: form });
    const error = await handleUpload(request, { storage: broken, allow: ALLOW }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UploadError);
    expect(error).toMatchObject({ code: 'ERR_UPLOAD', reason: 'storage', status: 503 });
  });

  it('an aborted signal stops the upload (no file kept)', async () => {
    const controller = new AbortController();
    controller.abort();
    const form = new FormData();
    form.set('image', file(png(), 'cat.png', 'image/png'));
    const request = new Request('http://x/', { method: 'POST', body: form });
    await expect(handleUpload(request, { storage, allow: ALLOW, signal: controller.signal })).rejects.toMatchObject({
      reason: 'aborted',
    });
    expect(filesUnder(root)).toEqual([]);
  });
});

describe('handleUpload options', () => {
  const request = () => new Request('http://x/', { method: 'POST', body: new FormData() });
  it('are validated', async () => {
    const cases: [Partial<UploadOptions> & Record<string, unknown>, string | RegExp][] = [
      [{ allow: [] }, 'Expected `allow` to be a non-empty array of MIME types'],
      [{ allow: ['png'] }, 'Expected `allow` to be a non-empty array of MIME types'],
      [{ allow: ['text/html'] }, /text\/html is text/],
      [{ maxFileBytes: 0 }, 'Expected `maxFileBytes` to be a positive integer, got `0` (number)'],
      [
        { maxFileBytes: 100, maxRequestBytes: 10 },
        'Expected `maxRequestBytes` to be at least `maxFileBytes` (100), got `10` (number)',
      ],
      [{ directory: '../up/' }, 'Expected `directory` to be a safe folder name'],
      [{ directory: 'up' }, 'Expected `directory` to be a safe folder name'],
      [{ storage: {} as Storage }, 'Expected `storage` to be a Storage'],
      [{ maxFile: 1 }, /Unknown option `maxFile`/],
    ];
    for (const [options, message] of cases) {
      await expect(
        handleUpload(request(), { storage, allow: ALLOW, ...options } as UploadOptions),
        JSON.stringify(options),
      ).rejects.toThrow(message);
    }
  });
  it('undefined keeps a default', async () => {
    const form = new FormData();
    form.set('image', file(png(), 'cat.png', 'image/png'));
    const request = new Request('http://x/', { method: 'POST', body: form });
    const result = await handleUpload(request, {
      storage,
      allow: ALLOW,
      maxFileBytes: undefined,
      directory: undefined,
    });
    expect(result.files[0]?.name).toMatch(/^uploads\//);
  });
});
