/**
 * The `headers` of a lazy response: a Fetch `Headers` (`instanceof Headers`, same methods,
 * same errors, same iteration) kept as two plain arrays. Hand-written because undici's own
 * validation was the largest single cost of a cached page: its `Headers` converts every name
 * and value through WebIDL's ByteString and checks tokens in JavaScript on each `set`, `get`
 * and `has` (15.6% of the demo's cached `GET /` CPU profile, bench/README.md), and every layer
 * adding a header paid it again. Here a name is one regular-expression test and a lower-casing,
 * a value one test; `serve()` writes the list as it is.
 *
 * Semantics follow the Fetch standard's `Headers` (tested with the WPT cases of
 * fetch/api/headers): names are case-insensitive and exposed lower-cased; values are
 * normalised (leading and trailing HTTP whitespace removed) and refused with a NUL, CR or LF;
 * characters above U+00FF are refused (ByteString); `get` combines values with `", "`;
 * iteration is sorted by name, combined, with each `Set-Cookie` apart, and live (changes during
 * iteration show as the standard says). There is no guard: a lazy response's headers are mutable.
 */
import { formatWithOptions, type InspectOptions } from 'node:util';

/** The `Headers` this Node shipped with. */
export const OriginalHeaders: typeof Headers = globalThis.Headers;

/** RFC 9110 token: what a header name may be. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What a header value may not hold once normalised (and what ByteString refuses). */
const BAD_VALUE = /[\0\n\r\u0100-\uffff]/;
const EDGE_WHITESPACE = /^[\t\n\r ]+|[\t\n\r ]+$/g;

function isHttpWhitespace(code: number): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

/** WebIDL's ToString for a ByteString argument (a Symbol throws, as there). */
function toText(value: unknown, method: string, what: string): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'symbol') throw new TypeError(`Headers.${method}: ${what} cannot be a Symbol.`);
  return String(value);
}

/**
 * Names already checked, to their lower-cased form: the same few names (`content-type`,
 * `vary`, …) are checked on every request by every layer, and one map read costs less than the
 * pattern test and the lower-casing. Bounded (short names only, cleared when full).
 */
const checkedNames = new Map<string, string>();
const CHECKED_NAMES_MAX = 512;
const CHECKED_NAME_LENGTH_MAX = 64;

/** The lower-cased header name, or a TypeError naming the bad one. */
function checkName(name: unknown, method: string): string {
  if (typeof name === 'string') {
    const known = checkedNames.get(name);
    if (known !== undefined) return known;
  }
  const text = toText(name, method, 'a header name');
  if (!TOKEN.test(text)) throw new TypeError(`Headers.${method}: ${JSON.stringify(text)} is an invalid header name.`);
  const lower = text.toLowerCase();
  if (text.length <= CHECKED_NAME_LENGTH_MAX) {
    if (checkedNames.size >= CHECKED_NAMES_MAX) checkedNames.clear();
    checkedNames.set(text, lower);
  }
  return lower;
}

/** The normalised header value, or a TypeError naming the bad one. */
function checkValue(value: unknown, method: string, name: string): string {
  let text = toText(value, method, 'a header value');
  const last = text.length - 1;
  if (last >= 0 && (isHttpWhitespace(text.charCodeAt(0)) || isHttpWhitespace(text.charCodeAt(last)))) {
    text = text.replace(EDGE_WHITESPACE, '');
  }
  if (BAD_VALUE.test(text)) {
    throw new TypeError(`Headers.${method}: ${JSON.stringify(text)} is an invalid header value for ${name}.`);
  }
  return text;
}

/** %IteratorPrototype%, so that header iterators look like the platform's. */
const IteratorPrototype = Object.getPrototypeOf(Object.getPrototypeOf([][Symbol.iterator]())) as object;

type Kind = 'key' | 'value' | 'key+value';
interface HeadersIteratorState {
  target: LightHeaders;
  kind: Kind;
  index: number;
}
const STATE = Symbol('adv.headersIterator');

const HeadersIteratorPrototype: object = Object.create(IteratorPrototype);
Object.defineProperty(HeadersIteratorPrototype, 'next', {
  enumerable: true,
  writable: true,
  configurable: true,
  value: function next(this: { [STATE]?: HeadersIteratorState }) {
    const state = this[STATE];
    if (state === undefined) throw new TypeError("'next' called on an object that is not a Headers iterator.");
    // Live, as the standard's "value pairs to iterate over": the sorted list is read again each step.
    const pairs = state.target.sortedPairs();
    if (state.index >= pairs.length) return { value: undefined, done: true };
    const [name, value] = pairs[state.index++] as [string, string];
    return { value: state.kind === 'key' ? name : state.kind === 'value' ? value : [name, value], done: false };
  },
});
Object.defineProperty(HeadersIteratorPrototype, Symbol.toStringTag, {
  value: 'Headers Iterator',
  configurable: true,
});

function iterate(target: LightHeaders, kind: Kind): IterableIterator<never> {
  const iterator = Object.create(HeadersIteratorPrototype) as { [STATE]: HeadersIteratorState };
  iterator[STATE] = { target, kind, index: 0 };
  return iterator as unknown as IterableIterator<never>;
}

/** `Symbol.iterator` and `entries` are one function, as on the platform's `Headers`. */
function entries(this: LightHeaders): HeadersIterator<[string, string]> {
  return iterate(this, 'key+value') as HeadersIterator<[string, string]>;
}

/**
 * A Fetch `Headers` held in plain arrays (see the module comment). `instanceof Headers` holds;
 * undici's own constructors (`new Headers(h)`, `new Response(body, { headers: h })`, `fetch`)
 * read it through its iterator like any other `HeadersInit`.
 */
export class LightHeaders {
  /** Lower-cased names, in insertion order. */
  #names: string[] = [];
  /** The values, at the same positions as their names. */
  #values: string[] = [];
  /** The sorted, combined view; `undefined` once a change made it stale. */
  #sorted: [string, string][] | undefined;

  constructor(init?: HeadersInit) {
    if (init === undefined) return;
    if (init === null || (typeof init !== 'object' && typeof init !== 'function')) {
      throw new TypeError(
        `Headers constructor: expected a record or a sequence of [name, value] pairs, got ${init === null ? 'null' : typeof init}.`,
      );
    }
    if (init instanceof LightHeaders && init[Symbol.iterator] === entries) {
      this.#names = [...init.#names];
      this.#values = [...init.#values];
    } else if (Array.isArray(init) && init[Symbol.iterator] === Array.prototype[Symbol.iterator]) {
      for (const pair of init as unknown[]) this.#appendPair(pair);
    } else {
      this.#fill(init as object);
    }
  }

  /** A `[name, value]` pair of a sequence init: exactly two items, each a ByteString. */
  #appendPair(pair: unknown): void {
    if (Array.isArray(pair) && pair[Symbol.iterator] === Array.prototype[Symbol.iterator]) {
      if (pair.length !== 2) {
        throw new TypeError(`Headers constructor: expected name/value pair to be length 2, found ${pair.length}.`);
      }
      this.append(pair[0], pair[1]);
      return;
    }
    if (
      pair === null ||
      typeof pair !== 'object' ||
      typeof (pair as Iterable<unknown>)[Symbol.iterator] !== 'function'
    ) {
      throw new TypeError('Headers constructor: expected each header to be a [name, value] sequence.');
    }
    this.#appendPair([...(pair as Iterable<unknown>)]);
  }

  /** Any other init: an iterable of pairs (a `Headers`, a custom iterator) or a record. */
  #fill(init: object): void {
    const iterator = (init as { [Symbol.iterator]?: unknown })[Symbol.iterator];
    if (iterator !== undefined && iterator !== null) {
      if (typeof iterator !== 'function')
        throw new TypeError('Headers constructor: Symbol.iterator is not a function.');
      // Drained first, as WebIDL converts the whole sequence before the constructor uses it.
      const pairs = [...(iterator.call(init) as Iterable<unknown>)];
      for (const pair of pairs) this.#appendPair(pair);
      return;
    }
    const record: [string, unknown][] = [];
    for (const key of Reflect.ownKeys(init)) {
      const descriptor = Reflect.getOwnPropertyDescriptor(init, key);
      if (descriptor === undefined || !descriptor.enumerable) continue;
      if (typeof key === 'symbol') throw new TypeError('Headers constructor: a record key cannot be a Symbol.');
      record.push([key, (init as Record<string, unknown>)[key]]);
    }
    for (const [name, value] of record) this.append(name, value as string);
  }

  append(name: string, value: string): void {
    const key = checkName(name, 'append');
    const normalised = checkValue(value, 'append', key);
    this.#names.push(key);
    this.#values.push(normalised);
    this.#sorted = undefined;
  }

  set(name: string, value: string): void {
    const key = checkName(name, 'set');
    const normalised = checkValue(value, 'set', key);
    const names = this.#names;
    const at = names.indexOf(key);
    if (at === -1) {
      names.push(key);
      this.#values.push(normalised);
    } else {
      this.#values[at] = normalised;
      this.#remove(key, at + 1);
    }
    this.#sorted = undefined;
  }

  delete(name: string): void {
    const key = checkName(name, 'delete');
    if (this.#remove(key, 0)) this.#sorted = undefined;
  }

  get(name: string): string | null {
    const key = checkName(name, 'get');
    const names = this.#names;
    let found: string | null = null;
    for (let i = 0; i < names.length; i++) {
      if (names[i] === key) found = found === null ? (this.#values[i] as string) : `${found}, ${this.#values[i]}`;
    }
    return found;
  }

  has(name: string): boolean {
    return this.#names.includes(checkName(name, 'has'));
  }

  getSetCookie(): string[] {
    const cookies: string[] = [];
    const names = this.#names;
    for (let i = 0; i < names.length; i++) if (names[i] === 'set-cookie') cookies.push(this.#values[i] as string);
    return cookies;
  }

  forEach(callback: (value: string, key: string, parent: Headers) => void, thisArg?: unknown): void {
    if (typeof callback !== 'function') {
      throw new TypeError("Headers.forEach: Argument 1 ('callbackfn') is not a function.");
    }
    // Live, like the iterators: a change made by the callback shows in the steps after it.
    for (let index = 0; index < this.sortedPairs().length; index++) {
      const [name, value] = this.sortedPairs()[index] as [string, string];
      callback.call(thisArg, value, name, this as unknown as Headers);
    }
  }

  keys(): HeadersIterator<string> {
    return iterate(this, 'key') as HeadersIterator<string>;
  }

  values(): HeadersIterator<string> {
    return iterate(this, 'value') as HeadersIterator<string>;
  }

  declare entries: () => HeadersIterator<[string, string]>;
  declare [Symbol.iterator]: () => HeadersIterator<[string, string]>;

  /** The standard's "sort and combine": by name, values joined with `", "`, each Set-Cookie apart. */
  sortedPairs(): readonly [string, string][] {
    if (this.#sorted !== undefined) return this.#sorted;
    const names = this.#names;
    const unique = [...new Set(names)].sort();
    const pairs: [string, string][] = [];
    for (const name of unique) {
      if (name === 'set-cookie') {
        for (const cookie of this.getSetCookie()) pairs.push([name, cookie]);
      } else {
        pairs.push([name, this.get(name) as string]);
      }
    }
    this.#sorted = pairs;
    return pairs;
  }

  /**
   * Node's `[name, value, …]` form for `writeHead`: each name once with its values combined
   * (as iterating a `Headers` gives them), each Set-Cookie apart. In insertion order: HTTP
   * gives the order of different names no meaning.
   */
  toNodeList(): string[] {
    const names = this.#names;
    const values = this.#values;
    const flat: string[] = [];
    for (let i = 0; i < names.length; i++) {
      const name = names[i] as string;
      if (name !== 'set-cookie' && names.indexOf(name) !== i) continue; // combined at its first place
      flat.push(
        name,
        name === 'set-cookie' || names.indexOf(name, i + 1) === -1 ? (values[i] as string) : (this.get(name) as string),
      );
    }
    return flat;
  }

  /** Removes every `key` from `from` on; whether one was there. */
  #remove(key: string, from: number): boolean {
    const names = this.#names;
    if (names.indexOf(key, from) === -1) return false;
    const keptNames: string[] = names.slice(0, from);
    const keptValues: string[] = this.#values.slice(0, from);
    for (let i = from; i < names.length; i++) {
      if (names[i] === key) continue;
      keptNames.push(names[i] as string);
      keptValues.push(this.#values[i] as string);
    }
    this.#names = keptNames;
    this.#values = keptValues;
    return true;
  }

  [Symbol.for('nodejs.util.inspect.custom')](depth: number, options: InspectOptions): string {
    const shown: Record<string, string | string[]> = {};
    for (const [name, value] of this.sortedPairs()) {
      const known = shown[name];
      shown[name] = known === undefined ? value : Array.isArray(known) ? [...known, value] : [known, value];
    }
    return `Headers ${formatWithOptions({ ...options, depth: options.depth ?? depth }, shown)}`;
  }
}

Object.defineProperty(LightHeaders.prototype, 'entries', { value: entries, writable: true, configurable: true });
Object.defineProperty(LightHeaders.prototype, Symbol.iterator, { value: entries, writable: true, configurable: true });
Object.setPrototypeOf(LightHeaders.prototype, OriginalHeaders.prototype);
Object.defineProperty(LightHeaders, 'name', { value: 'Headers' });

/**
 * Every public member of the platform's `Headers` (its methods, `Symbol.iterator` and the
 * inspect hook), which a light one must answer itself (checked by a test). undici's internal
 * symbols are left out: only undici's own methods read them.
 */
export const PLATFORM_HEADERS_MEMBERS: readonly (string | symbol)[] = Reflect.ownKeys(OriginalHeaders.prototype).filter(
  (key) =>
    (typeof key === 'string' && key !== 'constructor') ||
    key === Symbol.iterator ||
    key === Symbol.for('nodejs.util.inspect.custom'),
);
