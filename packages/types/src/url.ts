/**
 * The pathname of each request, parsed once: a request passes through a dozen middleware that
 * each ask for it, and `new URL()` costs about a microsecond a time (ten parses were 3% of the
 * demo's cached page, bench/README.md). Keyed weakly by the `Request`, so a request that a
 * middleware replaces gets its own entry and nothing outlives its request.
 */
const pathnames = new WeakMap<Request, string>();

/**
 * `new URL(request.url).pathname`, parsed once per `Request` object and remembered for every
 * later caller (any middleware of the same request).
 *
 * @example
 * ```ts
 * if (pathnameOf(request) === '/healthz') return new Response('ok');
 * ```
 */
export function pathnameOf(request: Request): string {
  let pathname = pathnames.get(request);
  if (pathname === undefined) {
    pathname = new URL(request.url).pathname;
    pathnames.set(request, pathname);
  }
  return pathname;
}
