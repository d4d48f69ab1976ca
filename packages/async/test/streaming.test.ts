import { afterEach, describe, expect, it } from 'vitest';
import { formatSse, type Server, serve, sse, streamResponse } from '../src/index.js';
import { until } from './helpers.js';

let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function readUntil(
  response: Response,
  marker: string,
): Promise<{ text: string; reader: ReadableStreamDefaultReader<Uint8Array> }> {
  const reader = response.body!.getReader();
  let text = '';
  while (!text.includes(marker)) {
    const next = await reader.read();
    if (next.done) break;
    text += new TextDecoder().decode(next.value);
  }
  return { text, reader };
}

describe('streamResponse', () => {
  it('streams strings and bytes from an async iterable', async () => {
    const response = streamResponse(
      (async function* () {
        yield 'a,';
        yield new TextEncoder().encode('b,');
        yield 'c';
      })(),
      { headers: { 'content-type': 'text/csv' } },
    );
    expect(response.headers.get('content-type')).toBe('text/csv');
    expect(await response.text()).toBe('a,b,c');
  });

  it('aborts the producer and runs its finally when the client disconnects', async () => {
    let finalized = false;
    let aborted = false;
    server = await serve(
      () =>
        streamResponse(async function* (signal) {
          signal.addEventListener('abort', () => {
            aborted = true;
          });
          try {
            for (let i = 0; ; i += 1) {
              yield `line ${i}\n`;
              await new Promise((resolve) => setTimeout(resolve, 5));
            }
          } finally {
            finalized = true;
          }
        }),
      { port: 0 },
    );
    const controller = new AbortController();
    const response = await fetch(server.url, { signal: controller.signal });
    const { text } = await readUntil(response, 'line 2');
    expect(text).toContain('line 0');
    controller.abort();
    await until(() => finalized && aborted);
  });

  it('rejects a source that is not iterable', () => {
    expect(() => streamResponse(42 as never)).toThrow(/Expected `source` to be/);
  });
});

describe('sse', () => {
  it('formats events: name, id, retry, multi-line and JSON data', () => {
    expect(formatSse({ event: 'tick', id: '7', data: 'a\nb' })).toBe('event: tick\nid: 7\ndata: a\ndata: b\n\n');
    expect(formatSse({ data: { n: 1 }, retry: 500 })).toBe('retry: 500\ndata: {"n":1}\n\n');
    expect(formatSse('plain')).toBe('data: plain\n\n');
  });

  it('serves text/event-stream with heartbeats and stops the producer on disconnect', async () => {
    let aborted = false;
    server = await serve(
      () =>
        sse(
          async function* (signal) {
            yield { event: 'hello', data: { ok: true } };
            await new Promise<void>((resolve) =>
              signal.addEventListener('abort', () => {
                aborted = true;
                resolve();
              }),
            );
          },
          { heartbeat: 20 },
        ),
      { port: 0 },
    );
    const controller = new AbortController();
    const response = await fetch(server.url, { signal: controller.signal });
    expect(response.headers.get('content-type')).toBe('text/event-stream; charset=utf-8');
    expect(response.headers.get('cache-control')).toBe('no-cache');
    const { text } = await readUntil(response, ': ping');
    expect(text).toContain('event: hello\ndata: {"ok":true}\n\n');
    expect(text).toContain(': ping\n\n');
    controller.abort();
    await until(() => aborted);
  });

  it('validates its options', () => {
    expect(() => sse([], { heartbeat: -1 })).toThrow(
      'Expected `heartbeat` to be a non-negative number of milliseconds, got `-1` (number)',
    );
  });
});
