import { describeValue } from './errors.js';

/**
 * Every option a function takes, each marked `true`. Written as a mapped type so that leaving a
 * key out (or naming one the options type does not have) is a compile error: the list of valid
 * names cannot drift from the type.
 */
export type OptionKeys<O> = { readonly [K in keyof Required<O>]: true };

/** How {@link resolveOptions} names the function and builds its error. */
export interface ResolveOptionsSpec<O extends object, D extends Partial<O>> {
  /** The function the options are for, as the user wrote it: `'createCache'`. */
  readonly name: string;
  /** Every valid option name (see {@link OptionKeys}). */
  readonly keys: OptionKeys<O>;
  /** The defaults: applied where an option is absent or explicitly `undefined`. */
  readonly defaults: D;
  /** Builds the package's own error (its `ERR_INVALID_OPTION`) from the message. */
  readonly error: (message: string) => Error;
  /**
   * Where this bag sits inside the function's options, for one nested in another (`'tls'` of
   * `generateNginxConfig`): messages then name `tls.certificate`, not `certificate`.
   */
  readonly path?: string | undefined;
}

/** Options with their defaults applied: a defaulted key is never `undefined`. */
export type Resolved<O, D> = Omit<O, keyof D> & { [K in keyof D & keyof O]-?: Exclude<O[K], undefined> | D[K] };

/**
 * Validates the shape of an options object and applies defaults, in one way for every package:
 * a non-object is refused, an unknown key is refused with the valid names and a did-you-mean,
 * and an explicit `undefined` never replaces a default (`{ ...DEFAULTS, ...options }` would).
 * Value checks stay with each option's owner.
 *
 * @example
 * ```ts
 * const o = resolveOptions(options, {
 *   name: 'cachePage',
 *   keys: { ttl: true, varyOn: true },
 *   defaults: { varyOn: [] },
 *   error: (message) => new CacheError('ERR_INVALID_OPTION', message),
 * });
 * ```
 */
export function resolveOptions<O extends object, D extends Partial<O>>(
  options: O | undefined,
  spec: ResolveOptionsSpec<O, D>,
): Resolved<O, D> {
  const { name, path } = spec;
  if (options !== undefined && (typeof options !== 'object' || options === null || Array.isArray(options))) {
    const what = path === undefined ? `the options of \`${name}()\`` : `\`${path}\` of \`${name}()\``;
    // `null` is named alone here (its type would only repeat it): messages users already match on.
    const got = options === null ? '`null`' : describeValue(options);
    throw spec.error(`Expected ${what} to be an object, got ${got}`);
  }
  const resolved: Record<string, unknown> = { ...spec.defaults };
  for (const [key, value] of Object.entries(options ?? {})) {
    if (!Object.hasOwn(spec.keys, key)) throw spec.error(unknownOptionMessage(name, key, Object.keys(spec.keys), path));
    if (value !== undefined) resolved[key] = value;
  }
  return resolved as Resolved<O, D>;
}

/** {@link resolveOptions} bound to a package's error class: see {@link optionReaders}. */
export interface OptionReaders<E extends Error = Error> {
  /** {@link resolveOptions} of a public function's options: `read('cachePage', options, KEYS, DEFAULTS)`. */
  read<O extends object, D extends Partial<O>>(
    name: string,
    options: O | undefined,
    keys: OptionKeys<O>,
    defaults: D,
  ): Resolved<O, D>;
  /** {@link resolveOptions} of a bag nested in the options: messages name `path.option`. */
  readNested<O extends object, D extends Partial<O>>(
    name: string,
    path: string,
    options: O | undefined,
    keys: OptionKeys<O>,
    defaults: D,
  ): Resolved<O, D>;
  /**
   * The shape check of `read` without building a copy, for a bag passed on every call
   * (`limiter(fn, { signal })`): a loop over the few keys given, no allocation unless it is wrong.
   */
  checkKeys<O extends object>(name: string, options: O | undefined, keys: OptionKeys<O>): void;
  /** The error for a bad value: ``Expected `timeout` to be a positive number, got `-1` (number)``. */
  invalid(name: string, expected: string, value: unknown): E;
}

/**
 * Binds {@link resolveOptions} to a package's error class once, so that its option readers are
 * one line: every bad option then throws that class with code `ERR_INVALID_OPTION`.
 *
 * @example
 * ```ts
 * export const { read: cacheOptions, invalid: invalidOption } = optionReaders(CacheError);
 * const o = cacheOptions('cachePage', options, { ttl: true, varyOn: true }, { varyOn: [] });
 * ```
 */
export function optionReaders<E extends Error>(
  ErrorClass: new (code: 'ERR_INVALID_OPTION', message: string) => E,
): OptionReaders<E> {
  const error = (message: string): E => new ErrorClass('ERR_INVALID_OPTION', message);
  const read = <O extends object, D extends Partial<O>>(
    name: string,
    options: O | undefined,
    keys: OptionKeys<O>,
    defaults: D,
  ): Resolved<O, D> => resolveOptions(options, { name, keys, defaults, error });
  return {
    read,
    readNested: (name, path, options, keys, defaults) => resolveOptions(options, { name, path, keys, defaults, error }),
    checkKeys(name, options, keys) {
      if (options === undefined) return;
      if (typeof options === 'object' && options !== null && !Array.isArray(options)) {
        let known = true;
        for (const key in options) {
          if (!Object.hasOwn(keys, key)) {
            known = false;
            break;
          }
        }
        if (known) return;
      }
      // The slow path builds the shared message (and ignores inherited keys, as resolveOptions does).
      read(name, options, keys, {});
    },
    invalid: (name, expected, value) => error(expectedMessage(name, expected, value)),
  };
}

/** The one message shape for a bad value: ``Expected `ttl` to be a non-negative number, got `-1` (number)``. */
export function expectedMessage(name: string, expected: string, value: unknown): string {
  return `Expected \`${name}\` to be ${expected}, got ${describeValue(value)}`;
}

/**
 * `Unknown option \`defaultTTL\` of \`createCache()\`; did you mean \`defaultTtl\`? Valid options: …`;
 * with a `path`, every name is shown under it (`tls.certificate`).
 */
export function unknownOptionMessage(name: string, key: string, valid: readonly string[], path?: string): string {
  const under = (option: string) => (path === undefined ? option : `${path}.${option}`);
  const guess = didYouMean(key, valid);
  const hint = guess === undefined ? '' : `; did you mean \`${under(guess)}\`?`;
  const list = valid.map((option) => `\`${under(option)}\``).join(', ');
  return `Unknown option \`${under(key)}\` of \`${name}()\`${hint || '.'} Valid options: ${list}.`;
}

/**
 * The candidate `input` most likely meant, if any: a case slip or a typo (a small edit distance,
 * where swapping two neighbouring letters counts as one edit), an abbreviation (`cert` for
 * `certificate`) or a longer spelling (`hostname` for `host`).
 */
export function didYouMean(input: string, candidates: readonly string[]): string | undefined {
  const wanted = input.toLowerCase();
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, candidate.toLowerCase());
    if (distance < bestDistance) [best, bestDistance] = [candidate, distance];
  }
  const allowed = wanted.length < 4 ? 1 : Math.max(2, Math.floor(wanted.length / 3));
  if (bestDistance <= allowed) return best;
  if (wanted.length < 3) return undefined;
  const related = candidates.filter((candidate) => {
    const lower = candidate.toLowerCase();
    return lower.startsWith(wanted) || (lower.length >= 3 && wanted.startsWith(lower));
  });
  return related.length === 1 ? related[0] : undefined;
}

/**
 * Optimal string alignment distance (Levenshtein plus adjacent transpositions), on three rolling
 * rows: option names are short, so this is cheap.
 */
function editDistance(a: string, b: string): number {
  let before: number[] = [];
  let row = Array.from({ length: b.length + 1 }, (_, index) => index);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min((row[j] ?? 0) + 1, (next[j - 1] ?? 0) + 1, (row[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, (before[j - 2] ?? 0) + 1);
      }
      next[j] = distance;
    }
    [before, row] = [row, next];
  }
  return row[b.length] ?? 0;
}
