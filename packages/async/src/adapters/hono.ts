import type { Handler, Middleware } from '@adv/types';
import { invalidOption } from '../validate.js';

/**
 * The part of Hono's `Context` the adapter uses, stated structurally so `@adv/async` does not
 * depend on Hono: any Hono 4 app accepts the returned function.
 */
export interface HonoContextLike {
  req: { raw: Request };
  res: Response;
}

/** A Hono middleware, structurally. */
export type HonoMiddleware = (c: HonoContextLike, next: () => Promise<void>) => Promise<Response | undefined>;

/**
 * Runs a Fetch `Middleware` (or a `Handler`: fewer than two parameters) inside Hono. The
 * middleware's `next(request)` runs the rest of the Hono chain with that request and resolves
 * with `c.res`; what the middleware returns becomes the response.
 *
 * @param fetchFn - A `Middleware` or a `Handler`.
 * @example
 * ```ts
 * const app = new Hono();
 * app.use(toHono(securityHeaders));
 * app.get('/stream', toHono(() => streamResponse(rows())));
 * ```
 */
export function toHono(fetchFn: Middleware | Handler): HonoMiddleware {
  if (typeof fetchFn !== 'function') throw invalidOption('fetchFn', 'a function (request, next?) => Response', fetchFn);
  if (fetchFn.length < 2) {
    const handler = fetchFn as Handler;
    return async function honoHandler(c) {
      return handler(c.req.raw);
    };
  }
  const middleware = fetchFn as Middleware;
  return async function honoMiddleware(c, next) {
    const response = await middleware(c.req.raw, async (request) => {
      c.req.raw = request;
      await next();
      return c.res;
    });
    c.res = response;
    return response;
  };
}
