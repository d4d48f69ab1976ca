import type { ReadinessCheck } from '@adv/types';
import type { I18n } from './i18n.js';

/**
 * A readiness probe (the `ReadinessCheck` contract of `@adv/types`, for `/readyz`): resolves
 * once every offered locale's catalogs are loaded and valid, rejects with the load or
 * validation error otherwise, or when `signal` aborts first. With `messages` only, it resolves
 * at once (they were validated by `createI18n`).
 *
 * @example
 * ```ts
 * health({ checks: [catalogsReady(i18n), cacheReady] });
 * ```
 */
export function catalogsReady(i18n: Pick<I18n, 'locales' | 'load'>, name = 'i18n catalogs'): ReadinessCheck {
  return {
    name,
    check(signal) {
      if (signal?.aborted) return Promise.reject(signal.reason);
      const loaded = Promise.all(i18n.locales.map((locale) => i18n.load(locale)));
      if (!signal) return loaded;
      return new Promise((resolve, reject) => {
        const onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
        loaded.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
      });
    },
  };
}
