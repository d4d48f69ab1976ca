/**
 * Conditional and range requests (RFC 9110 §13, §14) as `serveStatic` and `serveMedia` answer
 * them: `If-None-Match` / `If-Modified-Since` → 304, one `bytes=` range → 206 or 416.
 */

/** Whether an `If-None-Match` / `If-Range` list names `etag` (weak comparison). */
export function matchesEtag(header: string, etag: string): boolean {
  if (header.trim() === '*') return true;
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag);
}

/** Parses a single `bytes=` range; `undefined` = ignore (serve 200), `null` = unsatisfiable (416). */
export function parseRange(header: string, size: number): { start: number; end: number } | null | undefined {
  const match = /^bytes=(\d*)-(\d*)$/.exec(header.trim());
  if (!match) return undefined; // multiple or malformed ranges: a full 200 is a valid answer
  const [, from = '', to = ''] = match;
  if (from === '' && to === '') return undefined;
  let start: number;
  let end: number;
  if (from === '') {
    start = Math.max(0, size - Number(to));
    end = size - 1;
  } else {
    start = Number(from);
    end = to === '' ? size - 1 : Math.min(Number(to), size - 1);
  }
  if (start >= size || start > end || size === 0) return null;
  return { start, end };
}

/**
 * Whether the client's copy is current: `If-None-Match` against `etag` when sent, else
 * `If-Modified-Since` against `lastModified` (milliseconds, whole seconds).
 */
export function isNotModified(request: Request, etag: string, lastModified: number): boolean {
  const ifNoneMatch = request.headers.get('if-none-match');
  const ifModifiedSince = request.headers.get('if-modified-since');
  return ifNoneMatch
    ? matchesEtag(ifNoneMatch, etag)
    : ifModifiedSince !== null && Date.parse(ifModifiedSince) >= lastModified;
}

/** A 304 carrying the validators and caching headers of the 200 it replaces (no Content-Type). */
export function notModifiedResponse(headers: Headers): Response {
  headers.delete('content-type');
  return new Response(null, { status: 304, headers });
}

/** The part of a file to send: all of it (200), one range (206), or none (416); `end` is inclusive. */
export interface SelectedRange {
  status: 200 | 206 | 416;
  start: number;
  end: number;
}

/**
 * Applies `Range` (honoured only while `If-Range`, when sent, still names `etag`) to a file of
 * `size` bytes, setting `Content-Range` on `headers` for a 206 or a 416.
 */
export function selectRange(request: Request, etag: string, size: number, headers: Headers): SelectedRange {
  const rangeHeader = request.headers.get('range');
  const ifRange = request.headers.get('if-range');
  if (rangeHeader && (!ifRange || ifRange.trim() === etag)) {
    const range = parseRange(rangeHeader, size);
    if (range === null) {
      headers.set('content-range', `bytes */${size}`);
      return { status: 416, start: 0, end: size - 1 };
    }
    if (range) {
      headers.set('content-range', `bytes ${range.start}-${range.end}/${size}`);
      return { status: 206, ...range };
    }
  }
  return { status: 200, start: 0, end: size - 1 };
}
