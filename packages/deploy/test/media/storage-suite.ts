/**
 * The one contract suite of `Storage` (keyv's `storageTestSuite` shape): every backend runs
 * these very tests, wired in a few lines by its own test file.
 */
import type { describe as Describe, it as It } from 'vitest';
import { expect } from 'vitest';
import type { Storage } from '../../src/media/storage.js';

async function text(stream: ReadableStream<Uint8Array>): Promise<string> {
  return new Response(stream).text();
}

export function storageContractSuite(
  describe: typeof Describe,
  it: typeof It,
  factory: () => Storage | Promise<Storage>,
): void {
  describe('Storage contract', () => {
    it('saves bytes and reads them back, with size, exists and stat', async () => {
      const storage = await factory();
      const saved = await storage.save('a/b/hello.txt', new TextEncoder().encode('hello world'), {
        contentType: 'text/plain',
      });
      expect(saved).toEqual({ name: 'a/b/hello.txt', size: 11 });
      expect(await storage.exists('a/b/hello.txt')).toBe(true);
      expect(await storage.size('a/b/hello.txt')).toBe(11);
      expect(await text(await storage.open('a/b/hello.txt'))).toBe('hello world');
      const stat = await storage.stat('a/b/hello.txt');
      expect(stat).toMatchObject({ size: 11, contentType: expect.stringMatching(/^text\/plain/) });
      expect(stat?.etag).toMatch(/^".+"$/);
      expect(stat?.lastModified).toBeInstanceOf(Date);
    });

    it('saves a web stream and an async iterable of several chunks', async () => {
      const storage = await factory();
      const chunks = ['one ', 'two ', 'three'].map((s) => new TextEncoder().encode(s));
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          for (const c of chunks) controller.enqueue(c);
          controller.close();
        },
      });
      expect((await storage.save('stream.bin', stream)).size).toBe(13);
      expect(await text(await storage.open('stream.bin'))).toBe('one two three');
      async function* gen() {
        yield* chunks;
      }
      expect((await storage.save('iter.bin', gen())).size).toBe(13);
      expect(await text(await storage.open('iter.bin'))).toBe('one two three');
    });

    it('a second save replaces the file', async () => {
      const storage = await factory();
      await storage.save('replace.txt', 'first version');
      await storage.save('replace.txt', 'second');
      expect(await text(await storage.open('replace.txt'))).toBe('second');
      expect(await storage.size('replace.txt')).toBe(6);
    });

    it('opens a byte range (both ends inclusive)', async () => {
      const storage = await factory();
      await storage.save('range.txt', '0123456789');
      expect(await text(await storage.open('range.txt', { start: 2, end: 5 }))).toBe('2345');
      expect(await text(await storage.open('range.txt', { start: 9, end: 9 }))).toBe('9');
    });

    it('a missing file: open and size reject ERR_MEDIA_NOT_FOUND, exists is false, stat null, delete false', async () => {
      const storage = await factory();
      await expect(storage.open('missing.txt')).rejects.toMatchObject({ code: 'ERR_MEDIA_NOT_FOUND' });
      await expect(storage.size('missing.txt')).rejects.toMatchObject({ code: 'ERR_MEDIA_NOT_FOUND' });
      expect(await storage.exists('missing.txt')).toBe(false);
      expect(await storage.stat('missing.txt')).toBeNull();
      expect(await storage.delete('missing.txt')).toBe(false);
    });

    it('deletes', async () => {
      const storage = await factory();
      await storage.save('gone.txt', 'x');
      expect(await storage.delete('gone.txt')).toBe(true);
      expect(await storage.exists('gone.txt')).toBe(false);
    });

    it('url encodes the name under the base URL', async () => {
      const storage = await factory();
      expect(storage.url('photos/my-cat_1.png')).toMatch(/\/photos\/my-cat_1\.png$/);
    });

    it('refuses unsafe names in every method (no user path reaches the backend)', async () => {
      const storage = await factory();
      const bad = [
        '../etc/passwd',
        'a/../../b',
        '/abs',
        'a//b',
        '.hidden',
        'nul\0.txt',
        'back\\slash',
        'x'.repeat(300),
        '',
      ];
      for (const name of bad) {
        await expect(storage.save(name, 'x'), name).rejects.toMatchObject({ code: 'ERR_MEDIA_NAME' });
        await expect(storage.open(name), name).rejects.toMatchObject({ code: 'ERR_MEDIA_NAME' });
        await expect(storage.exists(name), name).rejects.toMatchObject({ code: 'ERR_MEDIA_NAME' });
        await expect(storage.delete(name), name).rejects.toMatchObject({ code: 'ERR_MEDIA_NAME' });
        expect(() => storage.url(name), name).toThrow(expect.objectContaining({ code: 'ERR_MEDIA_NAME' }));
      }
    });

    it('a body that fails mid-way leaves nothing behind and keeps an older file intact', async () => {
      const storage = await factory();
      await storage.save('keep.txt', 'old');
      async function* failing() {
        yield new TextEncoder().encode('partial data');
        throw new Error('client went away');
      }
      await expect(storage.save('keep.txt', failing())).rejects.toThrow('client went away');
      await expect(storage.save('never.txt', failing())).rejects.toThrow('client went away');
      expect(await text(await storage.open('keep.txt'))).toBe('old');
      expect(await storage.exists('never.txt')).toBe(false);
    });

    it('an aborted save leaves nothing behind', async () => {
      const storage = await factory();
      const controller = new AbortController();
      async function* slow() {
        yield new TextEncoder().encode('first chunk');
        controller.abort();
        yield new TextEncoder().encode('second chunk');
      }
      await expect(storage.save('aborted.txt', slow(), { signal: controller.signal })).rejects.toThrow();
      expect(await storage.exists('aborted.txt')).toBe(false);
    });
  });
}
