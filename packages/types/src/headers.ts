/**
 * Runs `edit` on a response's headers and returns the response. When they are immutable (a
 * `fetch()` result, `Response.redirect()`), `edit` runs on a copy that keeps the status and
 * streams the same body; a `Response.error()` network error, which cannot be copied, becomes a
 * `502 Bad Gateway` that gets the headers too. Middleware that adds headers uses it so that no
 * response slips through without them.
 *
 * @example
 * ```ts
 * const response = withHeaders(Response.redirect('https://example.com/'), (headers) => {
 *   headers.set('x-frame-options', 'DENY');
 * });
 * ```
 */
export function withHeaders(response: Response, edit: (headers: Headers) => void): Response {
  try {
    edit(response.headers);
    return response;
  } catch {
    const copy =
      response.type === 'error'
        ? new Response('Bad Gateway', { status: 502, headers: { 'content-type': 'text/plain; charset=utf-8' } })
        : new Response(response.body, response);
    edit(copy.headers);
    return copy;
  }
}
