import type { Middleware, OptionKeys } from '@adv/types';
import type { StreamingRequestInit } from '../bridge/index.js';
import { AsyncError } from '../errors.js';
import { asyncOptions, checkCount, invalidOption } from '../validate.js';

/** Options of {@link deadline}. */
export interface DeadlineOptions {
  /** Status of the response sent when the deadline passes. @defaultValue `503` */
  status?: number | undefined;
  /** Body of that response. @defaultValue `'Service Unavailable: deadline exceeded'` */
  body?: string | undefined;
}

const DEADLINE_KEYS: OptionKeys<DeadlineOptions> = { status: true, body: true };

/** Defaults of {@link DeadlineOptions}. */
const DEADLINE_DEFAULTS = { status: 503, body: 'Service Unavailable: deadline exceeded' };

/**
 * Per-request deadline middleware: the rest of the chain gets a `request.signal` that aborts
 * after `ms` (with `ERR_TIMEOUT`) or when the client leaves, and the client gets a 503 at the
 * deadline even if the handler ignores its signal.
 *
 * @param ms - Milliseconds allowed per request.
 * @example
 * ```ts
 * const app = compose(deadline(2_000))(async (request) => {
 *   const rows = await db.query(sql, { signal: request.signal });
 *   return Response.json(rows);
 * });
 * ```
 */
export function deadline(ms: number, options?: DeadlineOptions): Middleware {
  if (ms === undefined) throw invalidOption('ms', 'a non-negative number of milliseconds', ms);
  checkCount('ms', ms, { unit: 'number of milliseconds' });
  const { status, body } = asyncOptions('deadline', options, DEADLINE_KEYS, DEADLINE_DEFAULTS);
  if (!Number.isInteger(status) || status < 200 || status > 599)
    throw invalidOption('status', 'an HTTP status from 200 to 599', status);
  if (typeof body !== 'string') throw invalidOption('body', 'a string', body);
  return async function deadline(request, next) {
    const controller = new AbortController();
    const error = new AsyncError('ERR_TIMEOUT', `request exceeded its deadline (${ms} ms)`);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<Response>((resolve) => {
      timer = setTimeout(() => {
        // Resolve first: a handler that reacts to the abort must not win the race.
        resolve(new Response(body, { status, headers: { 'content-type': 'text/plain; charset=utf-8' } }));
        controller.abort(error);
      }, ms);
    });
    const init: StreamingRequestInit = { signal: AbortSignal.any([request.signal, controller.signal]) };
    if (request.body !== null) init.duplex = 'half';
    try {
      return await Promise.race([next(new Request(request, init)), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
