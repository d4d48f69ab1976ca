/**
 * The Fetch-standard handler every adv HTTP piece is written against: the same shape Node,
 * Bun, Deno, Hono, Next route handlers and Cloudflare Workers share.
 */
export type Handler = (request: Request) => Response | Promise<Response>;

/** The rest of the chain, as seen from inside a middleware. */
export type Next = (request: Request) => Promise<Response>;

/**
 * A Fetch middleware: receives the request and the rest of the chain, returns a response.
 * It may short-circuit (return without calling `next`), replace the request it passes on,
 * or post-process the response `next` returns.
 */
export type Middleware = (request: Request, next: Next) => Promise<Response>;
