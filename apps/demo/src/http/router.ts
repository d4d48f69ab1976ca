import type { Handler } from '@adv/types';

/** A handler that also receives the route's named parameters. */
export type RouteHandler = (request: Request, params: Record<string, string>) => Response | Promise<Response>;

interface Route {
  method: string;
  pattern: RegExp;
  keys: string[];
  handler: RouteHandler;
}

/**
 * A deliberately tiny router (method + `/articles/:id` patterns), enough for a dozen routes.
 * Hand-written because it is ~40 lines; a real app may use Hono's router with the same handlers.
 */
export class Router {
  readonly #routes: Route[] = [];

  /** Adds a route; `:name` segments become params. */
  add(method: string, path: string, handler: RouteHandler): this {
    const keys: string[] = [];
    const source = path.replace(/:([a-zA-Z]+)/g, (_match, key: string) => {
      keys.push(key);
      return '([^/]+)';
    });
    this.#routes.push({ method, pattern: new RegExp(`^${source}$`), keys, handler });
    return this;
  }

  /** The router as a Fetch handler; `fallback` answers unmatched paths, 405 answers a wrong method. */
  handler(fallback: Handler): Handler {
    return (request) => {
      const { pathname } = new URL(request.url);
      let allowed: string[] = [];
      for (const route of this.#routes) {
        const match = route.pattern.exec(pathname);
        if (!match) continue;
        if (route.method !== request.method && !(route.method === 'GET' && request.method === 'HEAD')) {
          allowed.push(route.method);
          continue;
        }
        const params = Object.fromEntries(route.keys.map((key, i) => [key, decodeURIComponent(match[i + 1]!)]));
        return route.handler(request, params);
      }
      if (allowed.length > 0) {
        allowed = [...new Set(allowed)];
        return new Response('Method Not Allowed', { status: 405, headers: { allow: allowed.join(', ') } });
      }
      return fallback(request);
    };
  }
}
