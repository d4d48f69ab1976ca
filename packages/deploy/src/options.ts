import { type OptionKeys, type Resolved, resolveOptions } from '@adv/types';
import { DeployError } from './errors.js';

/** The `ERR_INVALID_OPTION` error `resolveOptions` throws for @adv/deploy. */
function optionError(message: string): DeployError {
  return new DeployError('ERR_INVALID_OPTION', message);
}

/**
 * Reads the options of a public @adv/deploy function with `@adv/types`' `resolveOptions`: a
 * non-object is refused, an unknown key is refused with the valid names and a did-you-mean,
 * and an explicit `undefined` keeps the default. Value checks stay with the caller.
 *
 * @param name - the function as the user wrote it: `'serveStatic'`
 * @param options - what the user passed (`undefined` when nothing)
 * @param keys - every valid option name
 * @param defaults - applied where an option is absent or `undefined`
 */
export function deployOptions<O extends object, D extends Partial<O>>(
  name: string,
  options: O | undefined,
  keys: OptionKeys<O>,
  defaults: D,
): Resolved<O, D> {
  return resolveOptions(options, { name, keys, defaults, error: optionError });
}

/**
 * {@link deployOptions} for an option bag nested in another (`tls` of `generateNginxConfig`,
 * `static` of `checkDeploy`'s context): the unknown-key message names the full path,
 * ``Unknown option `tls.cert` of `generateNginxConfig()`; did you mean `tls.certificate`? …``.
 *
 * @param path - where the bag sits in the outer options: `'tls'`, `'context.static'`
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
