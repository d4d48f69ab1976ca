import type { Logger, Middleware } from '@adv/types';
import { t } from '../i18n.js';
import { dependencyOf, isOutage } from './outage.js';

/** Seconds a client is asked to wait before retrying after a 503. */
export const RETRY_AFTER_SECONDS = 5;

const textResponse = (body: string, status: number, headers: Record<string, string> = {}) =>
  new Response(body, {
    status,
    headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', ...headers },
  });

/**
 * Turns an exception below it into a logged, localized error (Django's handler500): 503 with
 * `Retry-After` when a server the request needed is down or too slow (the database, or the
 * cache / queue / channel layer on a write), 500 for anything else.
 */
export function errorPages(logger: Logger, debug: boolean): Middleware {
  const errorPage = (error: unknown, request: Request): Response => {
    const detail = debug && error instanceof Error ? `\n\n${error.stack ?? error.message}` : '';
    if (isOutage(error)) {
      const dependency = dependencyOf(error) ?? 'unknown';
      logger.warn({ err: error, url: request.url, dependency }, 'request answered 503: a dependency is down');
      return textResponse(`${t('error.unavailable')}\n${t('error.unavailableText')}${detail}`, 503, {
        'retry-after': String(RETRY_AFTER_SECONDS),
      });
    }
    logger.error({ err: error, url: request.url }, 'request failed');
    return textResponse(`${t('error.server')}\n${t('error.serverText')}${detail}`, 500);
  };
  // Not `async`: one `then` on the rest of the chain instead of a promise of its own and an await.
  return function errorPages(request, next) {
    let answered: Promise<Response>;
    try {
      answered = next(request);
    } catch (error) {
      return Promise.resolve(errorPage(error, request));
    }
    return answered.then(undefined, (error: unknown) => errorPage(error, request));
  };
}
