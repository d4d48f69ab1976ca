import { optionReaders } from '@adv/types';
import { DeployError } from './errors.js';

/**
 * `deployOptions(name, options, keys, defaults)` reads the options of a public @adv/deploy
 * function with `@adv/types`' `resolveOptions`: a non-object is refused, an unknown key is refused
 * with the valid names and a did-you-mean, and an explicit `undefined` keeps the default, all as
 * `DeployError` `ERR_INVALID_OPTION`. Value checks stay with the caller.
 *
 * `nestedOptions(name, path, options, keys, defaults)` does the same for a bag nested in another
 * (`tls` of `generateNginxConfig`, `static` of `checkDeploy`'s context): the unknown-key message
 * names the full path, ``Unknown option `tls.cert` of `generateNginxConfig()`; did you mean
 * `tls.certificate`? …``.
 */
export const { read: deployOptions, readNested: nestedOptions } = optionReaders(DeployError);
