import { describe, expect, expectTypeOf, it } from 'vitest';
import { didYouMean, resolveOptions, unknownOptionMessage } from '../src/index.js';

class DemoError extends Error {
  override readonly name = 'DemoError';
  readonly code = 'ERR_INVALID_OPTION';
}

interface DemoOptions {
  defaultTtl?: number;
  keyPrefix?: string;
  onError?: 'log' | 'throw';
}

const spec = {
  name: 'createDemo',
  keys: { defaultTtl: true, keyPrefix: true, onError: true },
  defaults: { keyPrefix: 'adv', onError: 'log' },
  error: (message: string) => new DemoError(message),
} as const;

describe('resolveOptions', () => {
  it('applies defaults and keeps the given values', () => {
    expect(resolveOptions<DemoOptions, typeof spec.defaults>({ defaultTtl: 5 }, spec)).toEqual({
      defaultTtl: 5,
      keyPrefix: 'adv',
      onError: 'log',
    });
    expect(resolveOptions<DemoOptions, typeof spec.defaults>(undefined, spec)).toEqual({
      keyPrefix: 'adv',
      onError: 'log',
    });
  });

  it('never lets an explicit undefined replace a default', () => {
    const resolved = resolveOptions<DemoOptions, typeof spec.defaults>({ keyPrefix: undefined }, spec);
    expect(resolved.keyPrefix).toBe('adv');
    expectTypeOf(resolved.keyPrefix).toEqualTypeOf<string>();
  });

  it('refuses an unknown key with the valid names and a did-you-mean', () => {
    const call = () => resolveOptions({ defaultTTL: 5 } as DemoOptions, spec);
    expect(call).toThrow(DemoError);
    expect(call).toThrow(
      'Unknown option `defaultTTL` of `createDemo()`; did you mean `defaultTtl`? Valid options: `defaultTtl`, `keyPrefix`, `onError`.',
    );
  });

  it('refuses an unknown key with no close match without guessing', () => {
    expect(() => resolveOptions({ compression: true } as DemoOptions, spec)).toThrow(
      'Unknown option `compression` of `createDemo()`. Valid options: `defaultTtl`, `keyPrefix`, `onError`.',
    );
  });

  it.each([null, 5, 'fast', [1]])('refuses %j as the options object', (value) => {
    expect(() => resolveOptions(value as unknown as DemoOptions, spec)).toThrow(
      /^Expected the options of `createDemo\(\)` to be an object, got /,
    );
  });

  it('does not treat inherited keys as given options', () => {
    const options = Object.create({ inherited: 1 }) as DemoOptions;
    expect(resolveOptions<DemoOptions, typeof spec.defaults>(options, spec).keyPrefix).toBe('adv');
  });
});

describe('didYouMean', () => {
  it('finds case slips and one-letter typos, and nothing for distant words', () => {
    expect(didYouMean('defaultTTL', ['defaultTtl', 'keyPrefix'])).toBe('defaultTtl');
    expect(didYouMean('keyPrefx', ['defaultTtl', 'keyPrefix'])).toBe('keyPrefix');
    expect(didYouMean('ttl', ['keyPrefix'])).toBeUndefined();
    expect(didYouMean('x', [])).toBeUndefined();
  });

  it('counts two swapped letters as one typo, even in short names', () => {
    expect(didYouMean('ulr', ['url', 'store'])).toBe('url');
    expect(didYouMean('tlt', ['ttl'])).toBe('ttl');
  });

  it('finds the one option an abbreviation starts', () => {
    expect(didYouMean('cert', ['certificate', 'key'])).toBe('certificate');
    expect(didYouMean('src', ['srcDir', 'srcMap'])).toBeUndefined();
    expect(didYouMean('ab', ['abcdefgh'])).toBeUndefined();
  });

  it('finds the one option a longer spelling starts with', () => {
    expect(didYouMean('hostname', ['host', 'port'])).toBe('host');
    expect(didYouMean('portNumber', ['port', 'portal'])).toBe('port');
  });

  it('says so in the message only when it has a guess', () => {
    expect(unknownOptionMessage('f', 'vary', ['varyOn'])).toContain('did you mean `varyOn`?');
    expect(unknownOptionMessage('f', 'zzz', ['varyOn'])).not.toContain('did you mean');
  });
});

describe('resolveOptions of a nested bag', () => {
  const nested = { ...spec, path: 'tls' } as const;

  it('names every option under its path', () => {
    expect(() => resolveOptions({ defaultTTl: 1 } as DemoOptions, nested)).toThrow(
      'Unknown option `tls.defaultTTl` of `createDemo()`; did you mean `tls.defaultTtl`? Valid options: `tls.defaultTtl`, `tls.keyPrefix`, `tls.onError`.',
    );
  });

  it('refuses a non-object by its path', () => {
    expect(() => resolveOptions(7 as unknown as DemoOptions, nested)).toThrow(
      'Expected `tls` of `createDemo()` to be an object, got `7` (number)',
    );
  });
});
