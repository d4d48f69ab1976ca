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

  /** The methods some route serves at `pathname` (HEAD with GET); empty when no route matches. */
  allowedMethods(pathname: string): string[] {
    const methods = new Set<string>();
    for (const route of this.#routes) {
      if (!route.pattern.test(pathname)) continue;
      methods.add(route.method);
      if (route.method === 'GET') methods.add('HEAD');
    }
    return [...methods];
  }

  /**
   * The router as a Fetch handler; `fallback` answers unmatched paths, 405 answers a wrong
   * method, 400 a parameter whose percent-encoding is malformed (`/articles/%E0%A4%A`).
   */
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
        const params = decodeParams(route.keys, match);
        if (params === undefined) {
          return new Response('Bad Request: the path has malformed percent-encoding (e.g. `%E0%A4%A`)', {
            status: 400,
            headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
          });
        }
        return route.handler(request, params);
      }
      if (allowed.length > 0) {
        allowed = [...new Set(allowed)];
        if (allowed.includes('GET')) allowed.push('HEAD');
        return new Response('Method Not Allowed', { status: 405, headers: { allow: allowed.join(', ') } });
      }
      return fallback(request);
    };
  }
}

/** The route's named parameters, percent-decoded; `undefined` when one is not valid percent-encoding. */
function decodeParams(keys: readonly string[], match: RegExpExecArray): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, key] of keys.entries()) {
    try {
      params[key] = decodeURIComponent(match[i + 1]!);
    } catch (error) {
      if (error instanceof URIError) return undefined;
      throw error;
    }
  }
  return params;
}
