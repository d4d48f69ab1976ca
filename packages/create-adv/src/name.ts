import { basename, resolve } from 'node:path';
import validate from 'validate-npm-package-name';
import { CreateAdvError } from './errors.js';

/** The result of {@link checkAppName}: the problems npm would report, empty when valid. */
export interface NameCheck {
  valid: boolean;
  problems: string[];
}

/**
 * Checks `name` as the `name` of a new npm package (npm's own rules, through
 * validate-npm-package-name: lower case, URL-safe, at most 214 characters, no core module name).
 */
export function checkAppName(name: string): NameCheck {
  const result = validate(name);
  const problems = [...(result.errors ?? []), ...(result.warnings ?? [])];
  return { valid: result.validForNewPackages, problems };
}

/** Throws a {@link CreateAdvError} `ERR_INVALID_NAME` naming every problem of `name`. */
export function assertAppName(name: string): string {
  const { valid, problems } = checkAppName(name);
  if (!valid) {
    throw new CreateAdvError(
      'ERR_INVALID_NAME',
      `"${name}" is not a valid npm package name: ${problems.join('; ')}. Pick a name like "my-app" (--name <name>).`,
    );
  }
  return name;
}

/** The app's default name: the target folder's own name (`.` is the current folder's). */
export function nameFromDirectory(directory: string): string {
  return basename(resolve(directory));
}
