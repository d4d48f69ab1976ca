import { once } from 'node:events';
import { createServer, type Server as NodeServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { writeResponse } from '../src/bridge/index.js';
import { OriginalResponse, text } from '../src/index.js';

let node: NodeServer | undefined;
afterEach(async () => {
  if (node) await new Promise((resolve) => node!.close(resolve));
  node = undefined;
});

/** A plain node:http server whose listener hands `respond()`'s Response to `writeResponse`. */
async function listen(respond: (path: string) => Response): Promise<string> {
  node = createServer((req, res) => {
    void writeResponse(res, respond(req.url ?? '/'), req.method === 'HEAD');
  });
  node.listen(0, '127.0.0.1');
  await once(node, 'listening');
  return `http://127.0.0.1:${(node.address() as AddressInfo).port}`;
}

describe('writeResponse (used by the node:http and Express adapters)', () => {
  it('writes a lazy response from memory and any other response through the general path, GET and HEAD', async () => {
    const url = await listen((path) => {
      if (path === '/lazy') return text('lazy body', { headers: { 'x-kind': 'lazy' } });
      if (path === '/undici') return new OriginalResponse('undici body', { headers: { 'x-kind': 'undici' } });
      return new OriginalResponse(new Blob(['streamed body']), { headers: { 'x-kind': 'stream' } });
    });
    const seen = [];
    for (const path of ['/lazy', '/undici', '/stream']) {
      for (const method of ['GET', 'HEAD']) {
        const response = await fetch(`${url}${path}`, { method });
        seen.push([
          path,
          method,
          response.headers.get('x-kind'),
          response.headers.get('content-length'),
          await response.text(),
        ]);
      }
    }
    expect(seen).toEqual([
      ['/lazy', 'GET', 'lazy', '9', 'lazy body'],
      ['/lazy', 'HEAD', 'lazy', '9', ''],
      ['/undici', 'GET', 'undici', '11', 'undici body'],
      ['/undici', 'HEAD', 'undici', '11', ''],
      ['/stream', 'GET', 'stream', '13', 'streamed body'],
      // A HEAD of a stream does not read it: no length is known.
      ['/stream', 'HEAD', 'stream', null, ''],
    ]);
  });

  it('rejects (does not throw) when writing a lazy response fails', async () => {
    let outcome: Promise<unknown> | undefined;
    node = createServer((_req, res) => {
      res.end('already answered');
      // Writing the head again throws ERR_HTTP_HEADERS_SENT inside writeFromMemory.
      outcome = writeResponse(res, text('too late')).then(
        () => 'resolved',
        (error: unknown) => error,
      );
    });
    node.listen(0, '127.0.0.1');
    await once(node, 'listening');
    const response = await fetch(`http://127.0.0.1:${(node.address() as AddressInfo).port}/`);
    expect(await response.text()).toBe('already answered');
    await expect(outcome).resolves.toMatchObject({ code: 'ERR_HTTP_HEADERS_SENT' });
  });
});
