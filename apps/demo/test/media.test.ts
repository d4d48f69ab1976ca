import { join } from 'node:path';
import { ListObjectsV2Command } from '@aws-sdk/client-s3';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { thumbnailJobId } from '../src/jobs/tasks.js';
import { THUMBNAIL_SIZE } from '../src/jobs/thumbnail.js';
import { BASE, testDemo } from './helpers.js';
import { filesUnder, png, pngBomb, postArticle, type RunningS3, startS3 } from './media-helpers.js';

type TestDemo = Awaited<ReturnType<typeof testDemo>>;

/** Posts the new-article form; the new article's id from the redirect (or `undefined`) and the response. */
async function post(demo: TestDemo, request: Request) {
  const response = await demo.handler(request);
  const id = /\/articles\/(\d+)$/.exec(response.headers.get('location') ?? '')?.[1];
  return { response, id: id === undefined ? undefined : Number(id) };
}

/** The article page's HTML. */
async function articlePage(demo: TestDemo, id: number): Promise<string> {
  const response = await demo.handler(new Request(`${BASE}/articles/${id}`));
  expect(response.status).toBe(200);
  return response.text();
}

const srcOf = (html: string, testId: string) =>
  new RegExp(`<img src="([^"]+)"[^>]*data-testid="${testId}"`).exec(html)?.[1];

describe('article images on disk (MEDIA_ROOT)', () => {
  let demo: TestDemo;
  let mediaRoot: string;
  beforeAll(async () => {
    // 300 kB uploads at most; thumbnails of images up to 1 megapixel (a 640x480 photo passes,
    // a 4000x4000 bomb does not, though sharp's own default limit of 268 megapixels would let it).
    demo = await testDemo({}, { MEDIA_MAX_UPLOAD_BYTES: '300000', THUMBNAIL_MAX_PIXELS: '1000000' });
    mediaRoot = join(demo.dataDir, 'media');
  }, 60_000);
  afterAll(() => demo?.cleanup());

  it('stores the image of a new article, shows it, then shows the thumbnail the task made', async () => {
    const image = await png(640, 480);
    const { response, id } = await post(
      demo,
      postArticle(
        `${BASE}/articles`,
        { title: 'With a picture' },
        { bytes: image, name: 'photo.png', type: 'image/png' },
      ),
    );
    expect(response.status).toBe(303);
    expect(id).toBeDefined();
    const [stored] = filesUnder(mediaRoot);
    expect(stored).toMatch(/^uploads\/[0-9a-f-]{36}\.png$/);

    const made = await demo.tasks.app.handle<{ made: boolean; name: string }>(thumbnailJobId(id!)).result();
    expect(made).toMatchObject({ made: true, name: expect.stringMatching(/^thumbnails\/[0-9a-f-]{36}\.webp$/) });
    const html = await articlePage(demo, id!);
    expect(html).toContain(`href="/media/${stored}"`);
    const thumbnailUrl = srcOf(html, 'article-thumbnail');
    expect(thumbnailUrl).toBe(`/media/${made.name}`);

    const original = await demo.handler(new Request(`${BASE}/media/${stored}`));
    expect(original.status).toBe(200);
    expect(original.headers.get('content-type')).toBe('image/png');
    expect(original.headers.get('x-content-type-options')).toBe('nosniff');
    expect(Buffer.from(await original.arrayBuffer()).equals(image)).toBe(true);
    const thumbnail = await demo.handler(new Request(`${BASE}${thumbnailUrl}`));
    expect(thumbnail.headers.get('content-type')).toBe('image/webp');
    const meta = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['webp', THUMBNAIL_SIZE, 240]);
  });

  it('shows the original while there is no thumbnail', async () => {
    // The urlencoded form (no image) still works; an article with an image but no thumbnail
    // yet is made directly in the database.
    const article = await demo.board.articles.create({
      title: 'Pending',
      body: 'b',
      authorName: 'A',
      authorEmail: 'a@example.com',
      image: 'uploads/pending.png',
    });
    const html = await articlePage(demo, article.id);
    expect(srcOf(html, 'article-image')).toBe('/media/uploads/pending.png');
    expect(html).not.toContain('article-thumbnail');
  });

  it('refuses an image over MEDIA_MAX_UPLOAD_BYTES with 413 and leaves nothing on disk', async () => {
    const before = filesUnder(mediaRoot);
    const count = await demo.board.articles.count();
    const big = Buffer.concat([await png(16, 16), Buffer.alloc(400_000, 7)]);
    const { response, id } = await post(
      demo,
      postArticle(`${BASE}/articles`, {}, { bytes: big, name: 'big.png', type: 'image/png' }),
    );
    expect(response.status).toBe(413);
    expect(id).toBeUndefined();
    expect(await response.text()).toContain('The image is too large.');
    expect(filesUnder(mediaRoot)).toEqual(before);
    expect(await demo.board.articles.count()).toBe(count);
  });

  it('refuses a file that is not an image though it is named .png and sent as image/png (415)', async () => {
    const before = filesUnder(mediaRoot);
    const count = await demo.board.articles.count();
    const html = Buffer.from('<html><script>alert(document.cookie)</script></html>');
    const { response } = await post(
      demo,
      postArticle(`${BASE}/articles`, {}, { bytes: html, name: 'cat.png', type: 'image/png' }),
    );
    expect(response.status).toBe(415);
    expect(await response.text()).toContain('The file is not a PNG, JPEG, WebP or GIF image.');
    expect(filesUnder(mediaRoot)).toEqual(before);
    expect(await demo.board.articles.count()).toBe(count);
  });

  it('removes the stored image again when the rest of the form is invalid', async () => {
    const before = filesUnder(mediaRoot);
    const { response } = await post(
      demo,
      postArticle(`${BASE}/articles`, { title: '' }, { bytes: await png(32, 32), name: 'a.png', type: 'image/png' }),
    );
    expect(response.status).toBe(400);
    expect(await response.text()).toContain('Title is required.');
    expect(filesUnder(mediaRoot)).toEqual(before);
  });

  it('fails the thumbnail task of a decompression bomb at once, unretried, and keeps showing the original', async () => {
    const bomb = pngBomb(4000, 4000);
    expect(bomb.length).toBeLessThan(1000);
    const { response, id } = await post(
      demo,
      postArticle(`${BASE}/articles`, { title: 'Bomb' }, { bytes: bomb, name: 'bomb.png', type: 'image/png' }),
    );
    expect(response.status).toBe(303);
    const handle = demo.tasks.app.handle(thumbnailJobId(id!));
    await expect(handle.result()).rejects.toThrow(/larger than THUMBNAIL_MAX_PIXELS \(1000000 pixels\)/);
    const info = await handle.info();
    expect([info?.status, info?.attemptsMade]).toEqual(['failed', 1]);
    const html = await articlePage(demo, id!);
    expect(srcOf(html, 'article-image')).toMatch(/^\/media\/uploads\/[0-9a-f-]{36}\.png$/);
    expect(filesUnder(join(mediaRoot, 'thumbnails'))).toHaveLength(1); // the first test's only
  });
});

describe('article images in S3 (MEDIA_STORAGE_URL, a real s3rver)', () => {
  let s3: RunningS3;
  let demo: TestDemo;
  beforeAll(async () => {
    s3 = await startS3();
    demo = await testDemo({}, { MEDIA_STORAGE_URL: s3.storageUrl });
  }, 60_000);
  afterAll(async () => {
    await demo?.cleanup();
    await s3?.stop();
  });

  it('stores the image and its thumbnail in the bucket, serves both under MEDIA_URL, nothing on disk', async () => {
    const image = await png(800, 400);
    const { response, id } = await post(
      demo,
      postArticle(`${BASE}/articles`, {}, { bytes: image, name: 'photo.png', type: 'image/png' }),
    );
    expect(response.status).toBe(303);
    const made = await demo.tasks.app.handle<{ name: string }>(thumbnailJobId(id!)).result();
    const listed = await s3.client.send(new ListObjectsV2Command({ Bucket: s3.bucket }));
    const keys = (listed.Contents ?? []).map((object) => object.Key).sort();
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^board\/thumbnails\/[0-9a-f-]{36}\.webp$/);
    expect(keys[1]).toMatch(/^board\/uploads\/[0-9a-f-]{36}\.png$/);
    expect(filesUnder(join(demo.dataDir, 'media'))).toEqual([]);

    const html = await articlePage(demo, id!);
    expect(srcOf(html, 'article-thumbnail')).toBe(`/media/${made.name}`);
    const original = await demo.handler(new Request(`${BASE}/media/${keys[1]!.slice('board/'.length)}`));
    expect(original.status).toBe(200);
    expect(Buffer.from(await original.arrayBuffer()).equals(image)).toBe(true);
    const thumbnail = await demo.handler(new Request(`${BASE}/media/${made.name}`));
    const meta = await sharp(Buffer.from(await thumbnail.arrayBuffer())).metadata();
    expect([meta.width, meta.height]).toEqual([THUMBNAIL_SIZE, 160]);
  });

  it('answers 503 with Retry-After when the storage is down, and creates no article', async () => {
    await s3.stop();
    const count = await demo.board.articles.count();
    const { response } = await post(
      demo,
      postArticle(`${BASE}/articles`, {}, { bytes: await png(32, 32), name: 'a.png', type: 'image/png' }),
    );
    expect(response.status).toBe(503);
    expect(response.headers.get('retry-after')).toBe('5');
    expect(await response.text()).toContain('The image could not be stored right now');
    expect(await demo.board.articles.count()).toBe(count);
    // Pages without images still render.
    expect((await demo.handler(new Request(`${BASE}/`))).status).toBe(200);
  });
});
