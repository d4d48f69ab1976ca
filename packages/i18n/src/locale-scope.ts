import type { AsyncLocalStorage } from 'node:async_hooks';
import type { OptionKeys } from '@adv/types';
import { createIntl, createIntlCache, type IntlShape } from '@formatjs/intl';
import { I18nError } from './errors.js';
import type { I18n } from './i18n.js';
import { type LocaleState, type LocaleStates, type Scope, timeZoneOr } from './locale-state.js';
import { checkOptionKeys } from './options.js';
import type { ActivateOptions } from './types.js';

/** Checked per call of `withLocale`/`activate`: a key loop, no copy. */
const ACTIVATE_KEYS: OptionKeys<ActivateOptions> = { timeZone: true };

/** The methods of an i18n instance that read or change the active locale and time zone. */
export type ScopeMethods = Pick<
  I18n,
  'withLocale' | 'activate' | 'deactivate' | 'getLocale' | 'getTimeZone' | 'getPathPrefix'
>;

/**
 * The scope `localeMiddleware` runs a request in, without `withLocale`'s per-call checks and
 * wrapper: `runScoped(locale, timeZone, next, request)` runs `next(request)` with `locale` (a
 * supported locale) and `timeZone` (a valid zone, or `undefined` for the default) active, and
 * returns its result with the scope, whose `state.locale` is the final locale after the handler
 * (an `activate()` inside it changes that scope). Internal: found on the instance by this symbol;
 * an i18n-like object without it gets the public `withLocale` path.
 */
export const RUN_SCOPED = Symbol('adv.i18n.runScoped');

/** See {@link RUN_SCOPED}. */
export type RunScoped = <A, R>(
  locale: string,
  timeZone: string | undefined,
  fn: (arg: A) => R,
  arg: A,
  prefix?: string,
) => { result: R; scope: Scope };

/** The active locale's state and time zone, read from `storage` (the defaults outside any scope). */
export interface ActiveScope {
  state(): LocaleState;
  timeZone(): string;
}

/** Reads the active scope of `storage`. */
export function activeScope(storage: AsyncLocalStorage<Scope>, states: LocaleStates, timeZone: string): ActiveScope {
  return {
    state: () => storage.getStore()?.state ?? states.defaultState,
    timeZone: () => storage.getStore()?.timeZone ?? timeZone,
  };
}

/** `withLocale`, `activate`, `deactivate` (Django's) and the getters, over one AsyncLocalStorage. */
export function scopeMethods(
  storage: AsyncLocalStorage<Scope>,
  states: LocaleStates,
  active: ActiveScope,
  timeZone: string,
): ScopeMethods & { [RUN_SCOPED]: RunScoped } {
  return {
    [RUN_SCOPED]: (locale, zone, fn, arg, prefix = '') => {
      const scope: Scope = { state: states.stateOf(states.supported(locale)), timeZone: zone ?? timeZone, prefix };
      return { result: storage.run(scope, fn, arg), scope };
    },
    withLocale: (locale, fn, options) => {
      checkOptionKeys('withLocale', options, ACTIVATE_KEYS);
      return storage.run(
        {
          state: states.stateOf(states.supported(locale)),
          timeZone: timeZoneOr(options?.timeZone, timeZone),
          // A nested scope keeps the request's path prefix: links still point into its URL space.
          prefix: storage.getStore()?.prefix ?? '',
        },
        fn,
      );
    },
    activate: (locale, options) => {
      checkOptionKeys('activate', options, ACTIVATE_KEYS);
      const state = states.stateOf(states.supported(locale));
      const zone = timeZoneOr(options?.timeZone, timeZone);
      const scope = storage.getStore();
      if (scope) {
        scope.state = state;
        scope.timeZone = zone;
      } else storage.enterWith({ state, timeZone: zone, prefix: '' });
    },
    deactivate: () => {
      const scope = storage.getStore();
      if (scope) {
        scope.state = states.defaultState;
        scope.timeZone = timeZone;
      }
    },
    getLocale: () => active.state().locale,
    getTimeZone: active.timeZone,
    getPathPrefix: () => storage.getStore()?.prefix ?? '',
  };
}

/** The @formatjs/intl object of the active locale and time zone, one per pair, created on first use. */
export function intlOfScope(
  active: ActiveScope,
  defaultLocale: string,
  onError: (error: I18nError) => void,
): () => IntlShape {
  const cache = createIntlCache();
  const intls = new Map<string, IntlShape>();
  return function intl() {
    const locale = active.state().locale;
    const timeZone = active.timeZone();
    const key = `${locale}\u0000${timeZone}`;
    let shape = intls.get(key);
    if (!shape) {
      shape = createIntl(
        {
          locale,
          timeZone,
          defaultLocale,
          onError: (error) => onError(new I18nError('ERR_FORMAT', error.message, { cause: error })),
        },
        cache,
      );
      intls.set(key, shape);
    }
    return shape;
  };
}
