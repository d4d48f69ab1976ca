import type { OutgoingHttpHeaders, ServerResponse } from 'node:http';

const NULL_BODY = new Set([101, 204, 205, 304]);

function toHeaders(node: OutgoingHttpHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(node)) {
    if (value === undefined) continue;
    if (Array.isArray(value)) for (const item of value) headers.append(name, item);
    else headers.set(name, String(value));
  }
  return headers;
}

/**
 * Lets a Fetch middleware wrap the rest of a Node/Express chain: until the downstream ends its
 * response, `writeHead`/`write`/`end` on `res` are captured into a streaming Fetch `Response`
 * (resolved at the first header flush), which the middleware may then inspect or replace.
 * Written by hand: no maintained library turns a downstream Express response into a Fetch one.
 */
export function captureDownstream(res: ServerResponse): { response: Promise<Response>; restore(): void } {
  const original = { writeHead: res.writeHead, write: res.write, end: res.end };
  let stream!: ReadableStreamDefaultController<Uint8Array>;
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      stream = controller;
    },
  });
  let resolveHead!: (response: Response) => void;
  const response = new Promise<Response>((resolve) => {
    resolveHead = resolve;
  });
  let flushed = false;
  let ended = false;
  const flush = () => {
    if (flushed) return;
    flushed = true;
    const status = res.statusCode;
    resolveHead(new Response(NULL_BODY.has(status) ? null : body, { status, headers: toHeaders(res.getHeaders()) }));
  };
  const restore = () => Object.assign(res, original);
  const asBytes = (chunk: unknown, encoding?: unknown): Uint8Array =>
    typeof chunk === 'string'
      ? Buffer.from(chunk, (typeof encoding === 'string' ? encoding : 'utf8') as BufferEncoding)
      : (chunk as Uint8Array);

  res.writeHead = function writeHead(this: ServerResponse, status: number, ...rest: unknown[]) {
    res.statusCode = status;
    const headers = rest.find((item) => item !== null && typeof item === 'object') as
      | OutgoingHttpHeaders
      | string[]
      | undefined;
    if (Array.isArray(headers)) {
      for (let index = 0; index < headers.length; index += 2) res.setHeader(headers[index]!, headers[index + 1]!);
    } else if (headers)
      for (const [name, value] of Object.entries(headers)) if (value !== undefined) res.setHeader(name, value);
    return res;
  } as ServerResponse['writeHead'];
  res.write = function write(chunk: unknown, encoding?: unknown, callback?: unknown) {
    flush();
    if (!ended && chunk !== undefined && chunk !== null) stream.enqueue(asBytes(chunk, encoding));
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => done());
    return true;
  } as ServerResponse['write'];
  res.end = function end(chunk?: unknown, encoding?: unknown, callback?: unknown) {
    if (typeof chunk === 'function')
      return (res.end as (...args: unknown[]) => ServerResponse)(undefined, undefined, chunk);
    if (chunk !== undefined && chunk !== null && !ended) {
      flush();
      stream.enqueue(asBytes(chunk, encoding));
    }
    flush();
    if (!ended) {
      ended = true;
      stream.close();
      restore();
    }
    const done = typeof encoding === 'function' ? encoding : callback;
    if (typeof done === 'function') queueMicrotask(() => done());
    return res;
  } as ServerResponse['end'];
  return { response, restore };
}
