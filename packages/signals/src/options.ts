import { optionReaders } from '@adv/types';
import { SignalError } from './errors.js';

/**
 * `signalOptions(name, options, keys, defaults)` reads the options object of a public function
 * the one adv way (`resolveOptions` of `@adv/types`), throwing `SignalError` `ERR_INVALID_OPTION`;
 * `nestedOptions(name, path, …)` does the same for a bag inside the options (`signals`), naming
 * keys by their path (``Unknown option `signals.postSav` of `withModelSignals()`; did you mean
 * `signals.postSave`?``). Call once, where the options are taken; value checks follow.
 */
export const { read: signalOptions, readNested: nestedOptions } = optionReaders(SignalError);
