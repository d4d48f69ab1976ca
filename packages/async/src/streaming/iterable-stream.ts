import { invalidOption } from '../validate.js';

/** A source of chunks: an async iterable, or a function of an abort signal returning one. */
export type ChunkSource<T> = AsyncIterable<T> | Iterable<T> | ((signal: AbortSignal) => AsyncIterable<T> | Iterable<T>);

const encoder = new TextEncoder();

/** Encodes a string or bytes chunk. */
export function toBytes(chunk: unknown): Uint8Array {
  if (typeof chunk === 'string') return encoder.encode(chunk);
  if (chunk instanceof Uint8Array) return chunk;
  if (chunk instanceof ArrayBuffer) return new Uint8Array(chunk);
  throw invalidOption('chunk', 'a string or Uint8Array', chunk);
}

/**
 * Turns a chunk source into a byte `ReadableStream` that pulls one chunk at a time (so a slow
 * client slows the producer down) and, when the stream is cancelled (the client left), aborts
 * the producer's signal and calls the iterator's `return()` so its `finally` blocks run.
 * `heartbeat` enqueues a chunk every so many ms while the producer is idle.
 */
export function iterableStream<T>(
  source: ChunkSource<T>,
  encode: (chunk: T) => Uint8Array,
  options: { signal?: AbortSignal; heartbeat?: { every: number; chunk: Uint8Array }; prelude?: Uint8Array } = {},
): ReadableStream<Uint8Array> {
  const controller = new AbortController();
  const stop = (reason: unknown) => {
    if (!controller.signal.aborted) controller.abort(reason);
  };
  options.signal?.addEventListener('abort', () => stop(options.signal?.reason), { once: true });
  const iterable = typeof source === 'function' ? source(controller.signal) : source;
  const iterator: AsyncIterator<T> | Iterator<T> =
    Symbol.asyncIterator in iterable
      ? (iterable as AsyncIterable<T>)[Symbol.asyncIterator]()
      : (iterable as Iterable<T>)[Symbol.iterator]();
  let timer: NodeJS.Timeout | undefined;
  const clear = () => clearInterval(timer);
  return new ReadableStream<Uint8Array>(
    {
      start(stream) {
        if (options.prelude) stream.enqueue(options.prelude);
        const heartbeat = options.heartbeat;
        if (heartbeat && heartbeat.every > 0) {
          timer = setInterval(() => {
            try {
              stream.enqueue(heartbeat.chunk);
            } catch {
              clear();
            }
          }, heartbeat.every);
          timer.unref();
        }
        if (controller.signal.aborted) {
          clear();
          stream.close();
        }
      },
      async pull(stream) {
        try {
          const next = await iterator.next();
          if (controller.signal.aborted) return;
          if (next.done) {
            clear();
            stream.close();
          } else stream.enqueue(encode(next.value));
        } catch (error) {
          clear();
          stop(error);
          stream.error(error);
        }
      },
      async cancel(reason) {
        clear();
        stop(reason ?? new Error('stream cancelled'));
        await iterator.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

export function checkSource(source: unknown): void {
  const ok =
    typeof source === 'function' ||
    (source !== null &&
      typeof source === 'object' &&
      (Symbol.asyncIterator in (source as object) || Symbol.iterator in (source as object)));
  if (!ok) throw invalidOption('source', 'an (async) iterable or a function (signal) => AsyncIterable', source);
}
