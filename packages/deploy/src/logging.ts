import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Middleware } from '@adv/types';
import { type Logger as PinoLogger, pino } from 'pino';
import { withHeaders } from './security.js';

/** Options of {@link requestLogger}. */
export interface RequestLoggerOptions {
  /**
   * The pino logger to write to (a child per request carries `requestId`).
   * @defaultValue `pino()` (JSON lines on stdout)
   */
  logger?: PinoLogger;
  /**
   * Header carrying the request id in and out.
   * @defaultValue `'x-request-id'`
   */
  header?: string;
  /**
   * Reuse an incoming id (from your proxy or the calling service) when it is 1-128 characters
   * of `A-Z a-z 0-9 . _ : -`; anything else is replaced, so ids cannot forge log lines.
   * @defaultValue `true`
   */
  trustIncoming?: boolean;
  /** @defaultValue `crypto.randomUUID` */
  generateId?: () => string;
}

interface RequestState {
  id: string;
  logger: PinoLogger;
}

const storage = new AsyncLocalStorage<RequestState>();
const SAFE_ID = /^[\w.:-]{1,128}$/;

/** The current request's id (inside {@link requestLogger}), or `undefined` outside a request. */
export function getRequestId(): string | undefined {
  return storage.getStore()?.id;
}

/** The current request's child logger (with `requestId`), or `undefined` outside a request. */
export function getRequestLogger(): PinoLogger | undefined {
  return storage.getStore()?.logger;
}

/**
 * Structured request logs with pino: one line per request (`method`, `url`, `status`,
 * `responseTime` ms, `requestId`), the id taken from `X-Request-Id` when safe or generated,
 * echoed on the response, and available anywhere below via {@link getRequestId} /
 * {@link getRequestLogger} (AsyncLocalStorage). 5xx and thrown errors log at `error`.
 *
 * @example
 * ```ts
 * const app = compose(requestLogger({ logger: pino() }))(handler);
 * ```
 */
export function requestLogger(options: RequestLoggerOptions = {}): Middleware {
  const logger = options.logger ?? pino();
  const header = (options.header ?? 'x-request-id').toLowerCase();
  const trust = options.trustIncoming ?? true;
  const generate = options.generateId ?? randomUUID;

  return async function requestLogger(request, next) {
    const incoming = request.headers.get(header);
    const id = trust && incoming && SAFE_ID.test(incoming) ? incoming : generate();
    const child = logger.child({ requestId: id });
    const start = performance.now();
    const url = new URL(request.url);
    const req = { method: request.method, url: `${url.pathname}${url.search}` };
    try {
      const response = await storage.run({ id, logger: child }, () => next(request));
      const fields = { req, res: { status: response.status }, responseTime: Math.round(performance.now() - start) };
      if (response.status >= 500) child.error(fields, 'request failed');
      else child.info(fields, 'request completed');
      return withHeaders(response, (h) => h.set(header, id));
    } catch (error) {
      child.error({ req, err: error, responseTime: Math.round(performance.now() - start) }, 'request errored');
      throw error;
    }
  };
}
