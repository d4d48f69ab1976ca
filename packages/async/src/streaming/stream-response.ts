import { checkOptionKeys, RESPONSE_INIT_KEYS } from '../validate.js';
import { type ChunkSource, checkSource, iterableStream, toBytes } from './iterable-stream.js';

/**
 * A streaming `Response` from an async iterable of strings or bytes (Django's
 * `StreamingHttpResponse`). Each chunk is sent as it is produced; when the client disconnects
 * the producer's signal aborts and its generator is returned (its `finally` runs).
 *
 * @param source - An async iterable, or `(signal) => AsyncIterable` to learn about disconnects.
 * @param init - Status and headers. @defaultValue `content-type: text/plain; charset=utf-8`
 * @example
 * ```ts
 * return streamResponse(async function* (signal) {
 *   for await (const row of db.cursor(sql, { signal })) yield `${row.id},${row.name}\n`;
 * }, { headers: { 'content-type': 'text/csv' } });
 * ```
 */
export function streamResponse(source: ChunkSource<string | Uint8Array>, init?: ResponseInit): Response {
  checkSource(source);
  checkOptionKeys('streamResponse', init, RESPONSE_INIT_KEYS);
  const headers = new Headers(init?.headers);
  if (!headers.has('content-type')) headers.set('content-type', 'text/plain; charset=utf-8');
  return new Response(iterableStream(source, toBytes), { ...init, headers });
}
