// Types for the untyped packages bench/stacks uses (only what it calls).
// route-cache:
declare module 'route-cache' {
  import type { Request, RequestHandler, Response } from 'express';

  const routeCache: {
    cacheSeconds(seconds: number, key?: string | ((req: Request, res: Response) => string | false)): RequestHandler;
    clearCache(): void;
  };
  export default routeCache;
}

// negotiator ships no types: the part the Fastify stack uses.
declare module 'negotiator' {
  import type { IncomingMessage } from 'node:http';
  export default class Negotiator {
    constructor(request: IncomingMessage);
    language(available?: string[]): string | undefined;
  }
}
