import type { ServerResponse } from 'node:http';
import { Readable } from 'node:stream';
import { lazyHeaderList, lazySource, nodeHeaders } from '../response/index.js';

const nextTick = () => new Promise<'tick'>((resolve) => setImmediate(resolve, 'tick'));

function waitForDrain(res: ServerResponse): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });
}

/** undici's internal state key, read only to find a body that is already in memory. */
const stateKey = Object.getOwnPropertySymbols(new Response('')).find((symbol) => symbol.description === 'state');

/**
 * The in-memory source of a `new Response(string | bytes)` body, if this Node's undici exposes
 * it (as @hono/node-server also reads it). Writing it directly skips a stream read per
 * request; anything unexpected falls back to streaming. The checks are `bodyUsed` and
 * `body.locked` without undici's brand checks (about 2 µs a request on Node 20).
 */
function inMemoryBody(response: Response): string | Uint8Array | undefined {
  if (stateKey === undefined) return undefined;
  const state = (response as unknown as Record<symbol, { body?: { source?: unknown; stream?: unknown } } | undefined>)[
    stateKey
  ];
  const body = state?.body;
  if (body === undefined || body === null) return undefined;
  const source = body.source;
  if (typeof source !== 'string' && !(source instanceof Uint8Array)) return undefined;
  const stream = body.stream;
  if (
    !(stream instanceof ReadableStream) ||
    stream.locked ||
    Readable.isDisturbed(stream as unknown as NodeJS.ReadableStream)
  )
    return undefined;
  return source;
}

/** Whether Node-style flat headers (lower-case names, as `Headers` gives them) include `name`. */
function hasHeader(flat: readonly string[], name: string): boolean {
  for (let index = 0; index < flat.length; index += 2) if (flat[index] === name) return true;
  return false;
}

/**
 * Writes `response` at once if it is a lazy one (`text()`, `json()`, `html()` and the light
 * global `Response`): from memory, without building undici's `Response` or its stream.
 * Returns `false`, having written nothing, for any other response.
 */
export function writeFromMemory(res: ServerResponse, response: Response, head: boolean): boolean {
  const headers = lazyHeaderList(response);
  if (headers === undefined) return false;
  res.writeHead(response.status, response.statusText || undefined, headers);
  const body = lazySource(response);
  if (head || body === null) res.end();
  else res.end(body);
  return true;
}

/**
 * Writes a Fetch `Response` to a Node `ServerResponse`, streaming its body with backpressure.
 * A body that is complete after its first chunk is sent with a `Content-Length`; anything
 * longer streams chunked as it is produced (so SSE events leave at once). If the client goes
 * away mid-stream, the body is cancelled, which reaches the producer (see `streamResponse`).
 */
export function writeResponse(res: ServerResponse, response: Response, head = false): Promise<void> {
  try {
    if (writeFromMemory(res, response, head)) return Promise.resolve();
  } catch (error) {
    return Promise.reject(error);
  }
  return writeStreamed(res, response, head);
}

/**
 * `writeResponse` for a response `writeFromMemory` has already declined (serve() checks that
 * once per response, so the check is not made twice).
 */
export async function writeStreamed(res: ServerResponse, response: Response, head: boolean): Promise<void> {
  const headers = nodeHeaders(response.headers);
  const body = response.body;
  if (body === null || head) {
    // HEAD gets the Content-Length a GET would, when the body is in memory: the same header
    // whether the response is undici's own or a lazy one (see lazyHeaderList).
    const source = head && body !== null ? inMemoryBody(response) : undefined;
    if (source !== undefined && !hasHeader(headers, 'content-length')) {
      headers.push('content-length', String(Buffer.byteLength(source)));
    }
    res.writeHead(response.status, response.statusText || undefined, headers);
    res.end();
    if (body !== null) await body.cancel().catch(() => {});
    return;
  }
  const source = inMemoryBody(response);
  if (source !== undefined) {
    if (!hasHeader(headers, 'content-length')) headers.push('content-length', String(Buffer.byteLength(source)));
    res.writeHead(response.status, response.statusText || undefined, headers);
    res.end(source);
    return;
  }
  if (body.locked || response.bodyUsed) {
    // Reading it would throw (locked) or yield nothing: answer 500 instead of leaving the client hanging.
    res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
    res.end('Internal Server Error');
    throw new TypeError('The handler returned a Response whose body was already read or locked (`bodyUsed`)');
  }
  const reader = body.getReader();
  const onClose = () => {
    if (!res.writableFinished) reader.cancel(new Error('client disconnected')).catch(() => {});
  };
  res.once('close', onClose);
  try {
    const first = await reader.read();
    if (first.done) {
      if (!hasHeader(headers, 'content-length')) headers.push('content-length', '0');
      res.writeHead(response.status, response.statusText || undefined, headers);
      res.end();
      return;
    }
    // A body already complete (new Response('text')) resolves its next read within a tick.
    const pending = reader.read();
    const second = await Promise.race([pending, nextTick()]);
    if (second !== 'tick' && second.done) {
      if (!hasHeader(headers, 'content-length')) headers.push('content-length', String(first.value.byteLength));
      res.writeHead(response.status, response.statusText || undefined, headers);
      res.end(first.value);
      return;
    }
    res.writeHead(response.status, response.statusText || undefined, headers);
    res.flushHeaders();
    if (!res.write(first.value)) await waitForDrain(res);
    let next = second === 'tick' ? await pending : second;
    while (!next.done && !res.destroyed) {
      if (!res.write(next.value)) await waitForDrain(res);
      next = await reader.read();
    }
    res.end();
  } catch (error) {
    // The producer failed mid-stream: the status line is gone, so cut the connection.
    if (!res.headersSent) {
      res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
      res.end('Internal Server Error');
    } else res.destroy(error instanceof Error ? error : new Error(String(error)));
    throw error;
  } finally {
    res.off('close', onClose);
  }
}
