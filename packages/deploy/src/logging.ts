import { AsyncLocalStorage } from 'node:async_hooks';
import { type Middleware, type OptionKeys, pathnameOf, withHeaders } from '@adv/types';
import type * as Pino from 'pino';
import type { Logger as PinoLogger } from 'pino';
import { invalidOption } from './errors.js';
import { deployOptions } from './options.js';
import { loadPeer } from './peer.js';
import { uniqueRequestId } from './request-id.js';

/** Options of {@link requestLogger}. */
export interface RequestLoggerOptions {
  /**
   * The pino logger to write to (a child per request carries `requestId`).
   * @defaultValue `pino()` (JSON lines on stdout)
   */
  logger?: PinoLogger | undefined;
  /**
   * Header carrying the request id in and out.
   * @defaultValue `'x-request-id'`
   */
  header?: string | undefined;
  /**
   * Reuse an incoming id (from your proxy or the calling service) when it is 1-128 characters
   * of `A-Z a-z 0-9 . _ : -`; anything else is replaced, so ids cannot forge log lines.
   * @defaultValue `true`
   */
  trustIncoming?: boolean | undefined;
  /**
   * Makes the id of a request that brings none (or an untrusted one).
   * @defaultValue {@link uniqueRequestId} (UUID-shaped and unique, not unguessable; pass
   * `crypto.randomUUID` for ids that must not be guessed)
   */
  generateId?: (() => string) | undefined;
  /**
   * Query parameters whose values are logged as `[redacted]`, on top of the secret-looking
   * names that always are (`token`, `password`, `secret`, `api_key`, `code`, `signature`, … as
   * in password-reset and OAuth links).
   * @defaultValue `[]`
   */
  redactQuery?: readonly string[] | undefined;
}

/** Defaults of {@link RequestLoggerOptions} (`logger`: a new `pino()`). */
export const REQUEST_LOGGER_DEFAULTS = {
  header: 'x-request-id',
  trustIncoming: true,
  generateId: uniqueRequestId,
  redactQuery: [],
} as const;

const REQUEST_LOGGER_KEYS: OptionKeys<RequestLoggerOptions> = {
  logger: true,
  header: true,
  trustIncoming: true,
  generateId: true,
  redactQuery: true,
};

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

/**
 * What a request carries below {@link requestLogger}: its id, and its child logger made on
 * first use (`logger.child()` costs more than the request's own log line, and most requests
 * never ask for it).
 */
class RequestState {
  #child: PinoLogger | undefined;
  constructor(
    readonly id: string,
    readonly parent: PinoLogger,
  ) {}

  get logger(): PinoLogger {
    this.#child ??= this.parent.child({ requestId: this.id });
    return this.#child;
  }
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
export function requestLogger(options?: RequestLoggerOptions): Middleware {
  const o = deployOptions('requestLogger', options, REQUEST_LOGGER_KEYS, REQUEST_LOGGER_DEFAULTS);
  if (typeof o.header !== 'string' || !/^[!#$%&'*+.^_`|~0-9a-z-]+$/i.test(o.header)) {
    invalidOption('header', 'an HTTP header name', o.header);
  }
  const header = o.header.toLowerCase();
  if (typeof o.generateId !== 'function') invalidOption('generateId', 'a function returning a string', o.generateId);
  if (!Array.isArray(o.redactQuery)) invalidOption('redactQuery', 'an array of query parameter names', o.redactQuery);
  const redactQuery = new Set(o.redactQuery.map((name) => String(name).toLowerCase()));
  const trust = o.trustIncoming;
  const generate = o.generateId;
  // Last: pino is only needed (and only loaded) when no logger is given.
  const logger = o.logger ?? loadPeer<typeof Pino>(PINO_PEER).pino();

  // A plain function and one `.then` (not an `async` function awaiting): one promise fewer per
  // request, each of which runs the AsyncLocalStorage hooks.
  return function requestLogger(request, next) {
    const incoming = request.headers.get(header);
    const id = trust && incoming && SAFE_ID.test(incoming) ? incoming : generate();
    const start = performance.now();
    // Without a query the pathname is all there is to log (and another layer may have parsed it already).
    const url = request.url.includes('?') ? loggedUrl(new URL(request.url), redactQuery) : pathnameOf(request);
    const req = { method: request.method, url };
    const failed = (error: unknown): never => {
      logger.error(
        { requestId: id, req, err: error, responseTime: Math.round(performance.now() - start) },
        'request errored',
      );
      throw error;
    };
    let pending: Promise<Response>;
    try {
      pending = storage.run(new RequestState(id, logger), next, request);
    } catch (error) {
      // A middleware below that throws synchronously (not a rejected promise): logged the same.
      return Promise.reject(error).catch(failed);
    }
    return Promise.resolve(pending).then((response) => {
      try {
        // `requestId` first among the line's own fields: the same line a child logger would write.
        const fields = {
          requestId: id,
          req,
          res: { status: response.status },
          responseTime: Math.round(performance.now() - start),
        };
        if (response.status >= 500) logger.error(fields, 'request failed');
        else logger.info(fields, 'request completed');
        return withHeaders(response, (h) => h.set(header, id));
      } catch (error) {
        return failed(error); // as before: a failure logging or answering is logged as the request's error
      }
    }, failed);
  };
}
