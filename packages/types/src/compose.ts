import type { Handler, Middleware, Next } from './http.js';

/**
 * Composes middleware around a handler. The first middleware is the outermost: it sees the
 * request first and the response last, like Django's `MIDDLEWARE` list read top to bottom.
 *
 * @example
 * ```ts
 * const app = compose(logRequests, securityHeaders)(async () => new Response('hi'));
 * const response = await app(new Request('http://localhost/'));
 * ```
 */
export function compose(...middleware: readonly Middleware[]): (handler: Handler) => Next {
  for (const [index, item] of middleware.entries()) {
    if (typeof item !== 'function') {
      throw new TypeError(
        `Expected \`middleware[${index}]\` to be a function (request, next) => Promise<Response>, got \`${String(item)}\` (${typeof item})`,
      );
    }
  }
  return function composeHandler(handler: Handler): Next {
    if (typeof handler !== 'function') {
      throw new TypeError(
        `Expected \`handler\` to be a function (request) => Response, got \`${String(handler)}\` (${typeof handler})`,
      );
    }
    // Not an `async` arrow: one returning the handler's promise would wrap it in a second
    // promise and a resolve job (each promise also runs every AsyncLocalStorage hook).
    const innermost: Next = (request) => {
      try {
        return Promise.resolve(handler(request));
      } catch (error) {
        return Promise.reject(error);
      }
    };
    // Plain (non-async) wrappers: each layer returns the middleware's own promise instead of
    // wrapping it in another one, which halves the cost of a deep chain.
    return middleware.reduceRight<Next>((next, current) => (request) => current(request, next), innermost);
  };
}
