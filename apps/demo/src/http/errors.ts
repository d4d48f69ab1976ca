import type { Logger, Middleware } from '@adv/types';
import { t } from '../i18n.js';

/** Turns an exception below it into a logged, localized 500 page (Django's handler500). */
export function errorPages(logger: Logger, debug: boolean): Middleware {
  return async function errorPages(request, next) {
    try {
      return await next(request);
    } catch (error) {
      logger.error({ err: error, url: request.url }, 'request failed');
      const detail = debug && error instanceof Error ? `\n\n${error.stack ?? error.message}` : '';
      return new Response(`${t('error.server')}\n${t('error.serverText')}${detail}`, {
        status: 500,
        headers: { 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store' },
      });
    }
  };
}
