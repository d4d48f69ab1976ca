import { describe, expect, it } from 'vitest';
import { assertAppName, checkAppName, nameFromDirectory } from '../src/index.js';
import { caught } from './helpers.js';

describe('app names (npm rules, through validate-npm-package-name)', () => {
  it.each(['my-app', 'board', 'a', 'app2', 'my.app', 'my_app', '@acme/shop', 'x'.repeat(214)])('accepts %s', (name) => {
    expect(checkAppName(name)).toEqual({ valid: true, problems: [] });
    expect(assertAppName(name)).toBe(name);
  });

  it.each([
    ['', 'name length must be greater than zero'],
    ['My-App', 'name can no longer contain capital letters'],
    ['my app', 'name can only contain URL-friendly characters'],
    ['.hidden', 'name cannot start with a period'],
    ['_private', 'name cannot start with an underscore'],
    ['node_modules', 'node_modules is not a valid package name'],
    ['http', 'http is a core module name'],
    ['x'.repeat(215), 'name can no longer contain more than 214 characters'],
    ['café', 'name can only contain URL-friendly characters'],
  ])('refuses %j: %s', async (name, problem) => {
    const check = checkAppName(name);
    expect(check.valid).toBe(false);
    expect(check.problems).toContain(problem);
    const error = await caught(() => assertAppName(name));
    expect(error.code).toBe('ERR_INVALID_NAME');
    expect(error.name).toBe('CreateAdvError');
    expect(error.message).toContain(`"${name}" is not a valid npm package name: `);
    expect(error.message).toContain(problem);
  });

  it('takes the default name from the target folder', () => {
    expect(nameFromDirectory('my-app')).toBe('my-app');
    expect(nameFromDirectory('/tmp/projects/shop/')).toBe('shop');
    expect(nameFromDirectory('./a/b')).toBe('b');
  });
});
