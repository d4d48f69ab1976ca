import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { diskStorage } from '../src/media/disk.js';
import { storageFromUrl } from '../src/media/from-url.js';
import { s3Storage } from '../src/media/s3.js';
import { type RunningS3, startS3 } from './media/s3-server.js';
import { storageContractSuite } from './media/storage-suite.js';

const roots: string[] = [];
afterAll(() => {
  for (const root of roots) rmSync(root, { recursive: true, force: true });
});

describe('diskStorage', () => {
  let root = '';
  storageContractSuite(describe, it, () => {
    root = mkdtempSync(join(tmpdir(), 'adv-media-disk-'));
    roots.push(root);
    return diskStorage({ root, baseUrl: '/media/' });
  });

  it('leaves no temporary file after failed saves', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adv-media-disk-'));
    roots.push(dir);
    const storage = diskStorage({ root: dir });
    async function* failing() {
      yield new Uint8Array([1, 2, 3]);
      throw new Error('boom');
    }
    await expect(storage.save('sub/x.bin', failing())).rejects.toThrow('boom');
    expect(readdirSync(dir, { recursive: true })).toEqual(['sub']);
    expect(storage.url('sub/x.bin')).toBe('/media/sub/x.bin');
  });

  it('validates its options', () => {
    expect(() => diskStorage({ root: 'relative/dir' })).toThrow(
      'Expected `root` to be an absolute directory path, got `relative/dir` (string)',
    );
    expect(() => diskStorage({ root: '/tmp', baseUrl: '/media' })).toThrow(
      'Expected `baseUrl` to be a URL prefix ending with `/`',
    );
    expect(() => diskStorage({ root: '/tmp', rot: 1 } as never)).toThrow(/Unknown option `rot`/);
  });

  it('a disk failure is ERR_STORAGE_UNAVAILABLE', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adv-media-disk-'));
    roots.push(dir);
    writeFileSync(join(dir, 'file'), 'a file where the root directory should be');
    const storage = diskStorage({ root: join(dir, 'file') });
    await expect(storage.save('x.txt', 'x')).rejects.toMatchObject({ code: 'ERR_STORAGE_UNAVAILABLE' });
  });
});

describe('s3Storage on s3rver', () => {
  let s3: RunningS3;
  let n = 0;
  beforeAll(async () => {
    s3 = await startS3();
  }, 60_000);
  afterAll(async () => {
    await s3?.stop();
  });

  storageContractSuite(describe, it, async () => {
    const bucket = `media-${++n}`;
    await s3.createBucket(bucket);
    return s3Storage({ bucket, endpoint: s3.endpoint, credentials: s3.credentials });
  });

  it('with its own client and a key prefix', async () => {
    await s3.createBucket('own-client');
    const own = s3Storage({
      bucket: 'own-client',
      client: s3.client,
      keyPrefix: 'media/',
      baseUrl: 'https://cdn.example.com/',
    });
    await own.save('x.txt', 'hi', { contentType: 'text/plain' });
    expect(await own.size('x.txt')).toBe(2);
    expect(own.url('x.txt')).toBe('https://cdn.example.com/x.txt');
    expect((await own.stat('x.txt'))?.contentType).toBe('text/plain');
  });

  it('a server that is down is ERR_STORAGE_UNAVAILABLE', async () => {
    const down = s3Storage({
      bucket: 'media-x',
      endpoint: 'http://127.0.0.1:9', // discard port: nothing listens
      credentials: s3.credentials,
    });
    await expect(down.exists('x.txt')).rejects.toMatchObject({ code: 'ERR_STORAGE_UNAVAILABLE' });
  });
});

describe('storageFromUrl', () => {
  let s3: RunningS3;
  beforeAll(async () => {
    s3 = await startS3();
    await s3.createBucket('from-url');
  }, 60_000);
  afterAll(async () => {
    await s3?.stop();
  });

  it('unset: the disk default; file: a disk root', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'adv-media-url-'));
    roots.push(dir);
    const fallback = storageFromUrl(undefined, { root: dir, baseUrl: '/files/' });
    await fallback.save('a.txt', 'a');
    expect(readdirSync(dir)).toEqual(['a.txt']);
    expect(fallback.url('a.txt')).toBe('/files/a.txt');
    const other = mkdtempSync(join(tmpdir(), 'adv-media-url-'));
    roots.push(other);
    const file = storageFromUrl(`file://${other}`, { root: dir });
    await file.save('b.txt', 'b');
    expect(readdirSync(other)).toEqual(['b.txt']);
    expect(storageFromUrl('', { root: dir }).url('x.png')).toBe('/media/x.png');
  });

  it('s3+http: an S3-compatible server with credentials, bucket and key prefix', async () => {
    const { port } = new URL(s3.endpoint);
    const storage = storageFromUrl(`s3+http://S3RVER:S3RVER@127.0.0.1:${port}/from-url/media/`, { root: '/unused' });
    await storage.save('x.txt', 'through the URL');
    expect(await storage.size('x.txt')).toBe(15);
    expect(storage.url('x.txt')).toBe(`http://127.0.0.1:${port}/from-url/media/x.txt`);
    const own = s3Storage({ bucket: 'from-url', client: s3.client });
    expect(await own.exists('media/x.txt')).toBe(true);
  });

  it('s3: AWS S3 by bucket and region; bad URLs name the problem without the secret', () => {
    const aws = storageFromUrl('s3://my-bucket/uploads/?region=eu-west-1', { root: '/unused' });
    expect(aws.url('a.png')).toBe('https://my-bucket.s3.eu-west-1.amazonaws.com/uploads/a.png');
    const cdn = storageFromUrl('s3://my-bucket?baseUrl=https://cdn.example.com/', { root: '/unused' });
    expect(cdn.url('a.png')).toBe('https://cdn.example.com/a.png');
    expect(() => storageFromUrl('ftp://KEY:TOPSECRET@host/bucket', { root: '/unused' })).toThrow(
      'Expected `url` to be a file:, s3:, s3+http: or s3+https: URL, got ftp://host/bucket',
    );
    expect(() => storageFromUrl('s3+http://KEY:TOPSECRET@host:9000/', { root: '/unused' })).toThrow(/to name a bucket/);
    expect(() => storageFromUrl('not a url', { root: '/unused' })).toThrow(/not a URL/);
    try {
      storageFromUrl('ftp://KEY:TOPSECRET@host/bucket', { root: '/unused' });
    } catch (error) {
      expect(String((error as Error).message)).not.toContain('TOPSECRET');
    }
  });
});
