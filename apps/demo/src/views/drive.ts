/**
 * Runs LiquidJS's render generators the way its own `toPromise` does (the driver behind
 * `renderFile` and `parseAndRender`), with one difference: a step that yields a plain value or
 * another generator continues at once, and only a yielded promise (a `{% cache %}` read, a
 * getter returning a query, a partial read from disk) suspends the render until it settles.
 *
 * LiquidJS's `toPromise` is an `async` function per generator: every tag, output and filter of
 * a page costs a promise and an `await`, and under AsyncLocalStorage each promise runs the
 * hooks. Here a page that awaits nothing renders without creating a promise, and one that awaits
 * creates one per awaited value. The generators run in the same order with the same values and
 * errors, so the output is the same (test/render-drive.test.ts compares the two).
 */

/** %GeneratorPrototype%: every generator object inherits from it (and so has next, throw and return). */
const GENERATOR_PROTOTYPE: object = Object.getPrototypeOf(function* () {}.prototype);

/** LiquidJS's `isIterator` (liquidjs/src/util/underscore.ts): an object with next, throw and return methods. */
function isIterator(value: unknown): value is Iterator<unknown, unknown, unknown> {
  // Most yields are strings, undefined or numbers: settled by the typeof alone.
  if (typeof value !== 'object' || value === null) {
    if (typeof value !== 'function') return false;
  }
  // A generator object (all of LiquidJS's) by its prototype chain: one identity check instead of
  // three property reads on objects of as many shapes as there are generator functions.
  const prototype = Object.getPrototypeOf(value) as object | null;
  if (prototype !== null && Object.getPrototypeOf(prototype) === GENERATOR_PROTOTYPE) return true;
  const it = value as { next?: unknown; throw?: unknown; return?: unknown };
  return typeof it.next === 'function' && typeof it.throw === 'function' && typeof it.return === 'function';
}

/** LiquidJS's `isPromise`: anything truthy with a `then` method. */
function isThenable(value: unknown): value is PromiseLike<unknown> {
  if (value instanceof Promise) return true;
  return !!value && typeof (value as { then?: unknown }).then === 'function';
}

/** In place of a generator that finished with a generator or promise: its resolved value is its result. */
const RETURNED = Symbol('returned');
type Frame = Iterator<unknown, unknown, unknown> | typeof RETURNED;

/**
 * The value of a LiquidJS render generator: synchronously when nothing on the way yielded a
 * promise, else a promise of it. A generator that throws is thrown into the one that yielded it,
 * as `toPromise` does; what reaches the top is thrown (or rejects the promise).
 */
export function drive<T>(root: unknown): T | Promise<T> {
  if (!isIterator(root)) return root as T;
  return run([root], undefined, false) as T | Promise<T>;
}

/** Steps the top of `stack` with `input` (thrown into it when `threw`) until the stack empties or a promise is yielded. */
function run(stack: Frame[], input: unknown, threw: boolean): unknown {
  for (;;) {
    const frame = stack[stack.length - 1]!;
    let output: unknown;
    if (frame === RETURNED) {
      // toPromise resolves a returned generator or promise too, and on its failure returns the
      // error as the value (its catch sets `value` and the loop ends): kept as it is.
      output = input;
    } else {
      let state: IteratorResult<unknown, unknown>;
      try {
        state = threw ? frame.throw!(input) : frame.next(input);
      } catch (error) {
        stack.pop();
        if (stack.length === 0) throw error;
        input = error;
        threw = true;
        continue;
      }
      output = state.value;
      if (state.done) stack[stack.length - 1] = RETURNED;
      if (isIterator(output)) {
        stack.push(output);
        input = undefined;
        threw = false;
        continue;
      }
      if (isThenable(output)) {
        return output.then(
          (value) => run(stack, value, false),
          (error: unknown) => run(stack, error, true),
        );
      }
      if (!state.done) {
        input = output;
        threw = false;
        continue;
      }
    }
    // The frame finished with `output`: hand it to the generator that yielded it.
    stack.pop();
    if (stack.length === 0) return output;
    input = output;
    threw = false;
  }
}
