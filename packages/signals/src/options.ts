import { type OptionKeys, type Resolved, resolveOptions } from '@adv/types';
import { SignalError } from './errors.js';

const optionError = (message: string): SignalError => new SignalError('ERR_INVALID_OPTION', message);

/**
 * Reads the options object of a public function the one adv way (`resolveOptions` of
 * `@adv/types`): a non-object is refused, an unknown key is refused with the valid names and a
 * did-you-mean, and an explicit `undefined` keeps the default. Errors are `ERR_INVALID_OPTION`.
 * Call it once, where the options are taken; value checks follow on the result.
 */
export function signalOptions<O extends object, D extends Partial<O>>(
  name: string,
  options: O | undefined,
  keys: OptionKeys<O>,
  defaults: D,
): Resolved<O, D> {
  return resolveOptions(options, { name, keys, defaults, error: optionError });
}

/**
 * {@link signalOptions} for an object inside the options (`signals`): names are reported with
 * their path (``Unknown option `signals.postSav` of `withModelSignals()`; did you mean
 * `signals.postSave`?``).
 */
export function nestedOptions<O extends object, D extends Partial<O>>(
  name: string,
  path: string,
  options: O | undefined,
  keys: OptionKeys<O>,
  defaults: D,
): Resolved<O, D> {
  return resolveOptions(options, { name, path, keys, defaults, error: optionError });
}
