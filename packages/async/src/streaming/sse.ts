import type { OptionKeys } from '@adv/types';
import { asyncOptions, checkCount, checkSignal } from '../validate.js';
import { type ChunkSource, checkSource, iterableStream } from './iterable-stream.js';

/** One Server-Sent Event. A plain string is sent as `data`. */
export interface SseEvent {
  /** Event name (`event:`); listeners use `source.addEventListener(name, …)`. */
  event?: string;
  /** Payload: strings are sent as is (split on newlines), anything else as JSON. */
  data?: unknown;
  /** Event id (`id:`), echoed back as `Last-Event-ID` on reconnect. */
  id?: string;
  /** Reconnection delay for the client in ms (`retry:`). */
  retry?: number;
}

/** Options of {@link sse}. */
export interface SseOptions {
  /**
   * Milliseconds between `: ping` comments while idle, so proxies keep the connection and a
   * dead client is noticed (its write fails, the producer is aborted). `0` disables.
   * @defaultValue `15_000`
   */
  heartbeat?: number | undefined;
  /** Reconnection delay sent once at the start (`retry:`), in ms. */
  retry?: number | undefined;
  /** Extra abort source, e.g. `request.signal` when not served by `serve()`. */
  signal?: AbortSignal | undefined;
  /** Extra response headers. */
  headers?: HeadersInit | undefined;
}

const SSE_KEYS: OptionKeys<SseOptions> = { heartbeat: true, retry: true, signal: true, headers: true };
const SSE_DEFAULTS = { heartbeat: 15_000 };

const encoder = new TextEncoder();

/** Formats one event in the text/event-stream wire format. */
export function formatSse(event: SseEvent | string): string {
  const e: SseEvent = typeof event === 'string' ? { data: event } : event;
  let out = '';
  if (e.event !== undefined) out += `event: ${String(e.event).replace(/[\r\n]/g, '')}\n`;
  if (e.id !== undefined) out += `id: ${String(e.id).replace(/[\r\n]/g, '')}\n`;
  if (e.retry !== undefined) out += `retry: ${Math.trunc(e.retry)}\n`;
  if (e.data !== undefined) {
    const text = typeof e.data === 'string' ? e.data : JSON.stringify(e.data);
    for (const line of text.split(/\r\n|\r|\n/)) out += `data: ${line}\n`;
  }
  return `${out}\n`;
}

/**
 * A Server-Sent Events `Response` from an async iterable of events, with heartbeats and
 * client-disconnect detection: when the client leaves, the producer's `signal` aborts and its
 * generator is returned.
 *
 * @param source - Events (or strings), or `(signal) => AsyncIterable` of them.
 * @param options - `heartbeat`, `retry`, `signal`, `headers`.
 * @example
 * ```ts
 * return sse(async function* (signal) {
 *   for await (const price of prices.watch({ signal })) yield { event: 'price', data: price };
 * });
 * ```
 */
export function sse(source: ChunkSource<SseEvent | string>, options?: SseOptions): Response {
  checkSource(source);
  const o = asyncOptions('sse', options, SSE_KEYS, SSE_DEFAULTS);
  checkCount('heartbeat', o.heartbeat, { unit: 'number of milliseconds' });
  checkCount('retry', o.retry, { unit: 'number of milliseconds' });
  checkSignal('signal', o.signal);
  const headers = new Headers(o.headers);
  headers.set('content-type', 'text/event-stream; charset=utf-8');
  headers.set('cache-control', 'no-cache');
  headers.set('x-accel-buffering', 'no');
  const body = iterableStream(source, (event) => encoder.encode(formatSse(event)), {
    ...(o.signal ? { signal: o.signal } : {}),
    heartbeat: { every: o.heartbeat, chunk: encoder.encode(': ping\n\n') },
    // A first comment (or retry) flushes the headers so the browser's EventSource opens at once.
    prelude: encoder.encode(o.retry !== undefined ? `retry: ${o.retry}\n\n` : ': connected\n\n'),
  });
  return new Response(body, { status: 200, headers });
}
