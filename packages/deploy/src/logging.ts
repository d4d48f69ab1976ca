import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { Middleware } from '@adv/types';
import type * as Pino from 'pino';
import type { Logger as PinoLogger } from 'pino';
import { invalidOption } from './errors.js';
import { loadPeer } from './peer.js';
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
  /**
   * Query parameters whose values are logged as `[redacted]`, on top of the secret-looking
   * names that always are (`token`, `password`, `secret`, `api_key`, `code`, `signature`, … as
   * in password-reset and OAuth links).
   * @defaultValue `[]`
   */
  redactQuery?: readonly string[];
}

/** pino, an optional peer dependency: loaded only when `requestLogger()` gets no `logger`. */
export const PINO_PEER = {
  name: 'pino',
  range: '^9.0.0 || ^10.0.0',
  feature: 'requestLogger() without a `logger` option',
} as const;

/** Query parameter names whose values never reach the log (case-insensitive substrings, plus exact `code`/`sig`/`key`). */
const SECRET_QUERY =
  /secret|passw|token|private|credential|api_?key|signature|session|^auth(orization)?$|^code$|^sig$|^key$/i;

/** `pathname?query` with the values of secret-looking query parameters replaced by `[redacted]`. */
function loggedUrl(url: URL, extra: ReadonlySet<string>): string {
  if (!url.search) return url.pathname;
  let redacted = false;
  const params = new URLSearchParams(url.search);
  for (const name of new Set(params.keys())) {
    if (SECRET_QUERY.test(name) || extra.has(name.toLowerCase())) {
      params.set(name, '[redacted]');
      redacted = true;
    }
  }
  return redacted
    ? `${url.pathname}?${params.toString().replaceAll('%5Bredacted%5D', '[redacted]')}`
    : `${url.pathname}${url.search}`;
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
  if (typeof options !== 'object' || options === null) invalidOption('options', 'an object', options);
  const logger = options.logger ?? loadPeer<typeof Pino>(PINO_PEER).pino();
  const header = (options.header ?? 'x-request-id').toLowerCase();
  if (!/^[!#$%&'*+.^_`|~0-9a-z-]+$/.test(header)) invalidOption('header', 'an HTTP header name', options.header);
  if (options.generateId !== undefined && typeof options.generateId !== 'function') {
    invalidOption('generateId', 'a function returning a string', options.generateId);
  }
  if (options.redactQuery !== undefined && !Array.isArray(options.redactQuery)) {
    invalidOption('redactQuery', 'an array of query parameter names', options.redactQuery);
  }
  const redactQuery = new Set((options.redactQuery ?? []).map((name) => String(name).toLowerCase()));
  const trust = options.trustIncoming ?? true;
  const generate = options.generateId ?? randomUUID;

  return async function requestLogger(request, next) {
    const incoming = request.headers.get(header);
    const id = trust && incoming && SAFE_ID.test(incoming) ? incoming : generate();
    const child = logger.child({ requestId: id });
    const start = performance.now();
    const url = new URL(request.url);
    const req = { method: request.method, url: loggedUrl(url, redactQuery) };
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
