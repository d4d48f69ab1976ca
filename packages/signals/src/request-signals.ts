import type { Logger, Middleware, OptionKeys } from '@adv/types';
import { describeValue, SignalError } from './errors.js';
import { nestedOptions, signalOptions } from './options.js';
import { Signal } from './signal.js';
import type { RobustResult } from './signal-types.js';

/** Args of {@link requestStarted}. */
export interface RequestStartedArgs {
  /** The middleware's `sender` option (by default the {@link requestSignals} factory). */
  sender: unknown;
  /** The incoming request. */
  request: Request;
}

/** Args of {@link requestFinished}. */
export interface RequestFinishedArgs {
  /** The middleware's `sender` option. */
  sender: unknown;
  /** The request that finished. */
  request: Request;
  /** The response, or `undefined` when the handler threw. */
  response: Response | undefined;
}

/** Args of {@link gotRequestException}. */
export interface GotRequestExceptionArgs {
  /** The middleware's `sender` option. */
  sender: unknown;
  /** The request being handled. */
  request: Request;
  /** What the handler threw. */
  error: unknown;
}

/**
 * Sent when a request starts (Django's `request_started`), before the rest of the chain.
 * @example
 * ```ts
 * requestStarted.connect(({ request }) => metrics.inflight.inc({ path: new URL(request.url).pathname }));
 * ```
 */
export const requestStarted: Signal<RequestStartedArgs> = new Signal<RequestStartedArgs>({ name: 'requestStarted' });

/** Sent when a request finished, with the response (Django's `request_finished`). */
export const requestFinished: Signal<RequestFinishedArgs> = new Signal<RequestFinishedArgs>({
  name: 'requestFinished',
});

/** Sent when the handler throws, before the error propagates (Django's `got_request_exception`). */
export const gotRequestException: Signal<GotRequestExceptionArgs> = new Signal<GotRequestExceptionArgs>({
  name: 'gotRequestException',
});

/** Options of {@link requestSignals}. */
export interface RequestSignalsOptions {
  /**
   * The `sender` of the three signals, what receivers filter on.
   * @defaultValue the `requestSignals` factory itself
   */
  sender?: unknown | undefined;
  /**
   * Where the errors of `requestFinished` and `gotRequestException` receivers go: those two
   * are sent robustly, so that a failing receiver neither replaces the response nor masks
   * the handler's error. A `requestStarted` receiver's error propagates (the request fails).
   * @defaultValue `console`
   */
  logger?: Pick<Logger, 'error'> | undefined;
  /**
   * Send `requestFinished` once the response body has been fully read or cancelled (Django
   * sends it when the response is closed), instead of as soon as the handler returned. The
   * response is then passed on with its body piped through a stream. Use it for streamed
   * responses (SSE, large downloads) whose receivers measure or clean up the whole request.
   * @defaultValue `false`
   */
  waitForBody?: boolean | undefined;
  /** The signals to send; the built-in ones by default. */
  signals?:
    | {
        requestStarted?: Signal<RequestStartedArgs> | undefined;
        requestFinished?: Signal<RequestFinishedArgs> | undefined;
        gotRequestException?: Signal<GotRequestExceptionArgs> | undefined;
      }
    | undefined;
}

const REQUEST_SIGNALS_KEYS: OptionKeys<RequestSignalsOptions> = {
  sender: true,
  logger: true,
  waitForBody: true,
  signals: true,
};
const REQUEST_SIGNAL_KEYS: OptionKeys<NonNullable<RequestSignalsOptions['signals']>> = {
  requestStarted: true,
  requestFinished: true,
  gotRequestException: true,
};

/**
 * A Fetch middleware that sends the request signals: `requestStarted` before the rest of the
 * chain, `gotRequestException` if it throws (the error is then rethrown), `requestFinished`
 * once it has a response or failed. Receivers may be async and are awaited (`asend`).
 *
 * @param options - `sender`, `logger`, `waitForBody`, `signals`: see {@link RequestSignalsOptions}.
 * @example
 * ```ts
 * const app = compose(requestSignals())(handler);
 * requestFinished.connect(({ request, response }) => log.info({ url: request.url, status: response?.status }));
 * ```
 */
export function requestSignals(options: RequestSignalsOptions = {}): Middleware {
  const resolved = signalOptions('requestSignals', options, REQUEST_SIGNALS_KEYS, {
    logger: console,
    waitForBody: false,
  });
  const own = nestedOptions('requestSignals', 'signals', resolved.signals, REQUEST_SIGNAL_KEYS, {
    requestStarted,
    requestFinished,
    gotRequestException,
  });
  const sender = resolved.sender ?? requestSignals;
  const logger = resolved.logger;
  const started = own.requestStarted;
  const finished = own.requestFinished;
  const exception = own.gotRequestException;
  const waitForBody = resolved.waitForBody;
  if (typeof waitForBody !== 'boolean') {
    throw new SignalError(
      'ERR_INVALID_OPTION',
      `Expected \`waitForBody\` to be a boolean, got ${describeValue(waitForBody)}`,
    );
  }

  const report = (name: string, results: RobustResult<never, unknown>[]) => {
    for (const [receiver, outcome] of results) {
      if (outcome instanceof Error) {
        logger.error(
          { err: outcome, signal: name, receiver: receiver.name },
          `@adv/signals: a ${name} receiver failed`,
        );
      }
    }
  };

  const finish = async (request: Request, response: Response | undefined) => {
    report(finished.name, await finished.asendRobust(sender, { request, response }));
  };

  return async function requestSignals(request, next) {
    await started.asend(sender, { request });
    let response: Response;
    try {
      response = await next(request);
    } catch (error) {
      report(exception.name, await exception.asendRobust(sender, { request, error }));
      await finish(request, undefined);
      throw error;
    }
    if (!waitForBody || response.body === null) {
      await finish(request, response);
      return response;
    }
    // The body is piped through, so the signal fires when the consumer has read all of it,
    // or cancelled it (a client that went away), or the handler's stream failed.
    const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
    const finishBody = () => finish(request, response);
    response.body
      .pipeTo(writable)
      .then(finishBody, finishBody)
      .catch(() => {}); // report() never throws unless the logger does
    return new Response(readable, {
      status: response.status,
      statusText: response.statusText,
      headers: response.headers,
    });
  };
}
