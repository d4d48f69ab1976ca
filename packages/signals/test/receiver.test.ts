import { describe, expect, it } from 'vitest';
import { type PostSaveArgs, receiver, SignalError, signal } from '../src/index.js';

class Article {}

describe('receiver()', () => {
  it('connects a function to one signal with options and returns it unchanged', () => {
    const saved = signal<PostSaveArgs>();
    const seen: boolean[] = [];
    const onSaved = receiver(saved, { sender: Article, dispatchUid: 'on-saved' })(({ created }: PostSaveArgs) => {
      seen.push(created);
    });
    receiver(saved, { sender: Article, dispatchUid: 'on-saved' })(onSaved); // hot reload: no-op
    saved.send(Article, { instance: {}, created: true });
    saved.send('other', { instance: {}, created: false });
    expect(seen).toEqual([true]);
    expect(saved.disconnect({ dispatchUid: 'on-saved', sender: Article })).toBe(true);
  });

  it('connects to several signals at once', () => {
    const a = signal<PostSaveArgs>();
    const b = signal<PostSaveArgs>();
    const seen: string[] = [];
    receiver([a, b])(() => seen.push('hit'));
    a.send(Article, { instance: {}, created: true });
    b.send(Article, { instance: {}, created: false });
    expect(seen).toEqual(['hit', 'hit']);
  });

  // vitest's transformer (oxc) does not lower TC39 decorators, so these tests apply the
  // decorator by hand, exactly as compiled `@receiver(...)` code calls it; the decorator
  // syntax itself is type-checked in types.test-d.ts.
  const decorate = (fn: (...args: never[]) => unknown, context: { kind: string; static: boolean; name: string }) => {
    const initializers: ((this: unknown) => void)[] = [];
    receiver(signal())(fn as never, {
      ...context,
      addInitializer: (init) => {
        initializers.push(init);
      },
    });
    return initializers;
  };

  it('decorates a static method: connected when the class is defined, bound to the class', () => {
    const saved = signal<PostSaveArgs>();
    // biome-ignore lint/complexity/noStaticOnlyClass: receivers grouped on a class are what @receiver decorates
    class Audit {
      static log: string[] = [];
      static onSaved({ created }: PostSaveArgs) {
        Audit.log.push(`created=${created}`);
        // biome-ignore lint/complexity/noThisInStatic: checks that the decorator binds `this` to the class
        return this === Audit;
      }
    }
    const initializers: ((this: unknown) => void)[] = [];
    const returned = receiver(saved, { sender: Article })(Audit.onSaved, {
      kind: 'method',
      static: true,
      name: 'onSaved',
      addInitializer: (init) => initializers.push(init),
    });
    expect(returned).toBe(Audit.onSaved);
    expect(saved.hasListeners()).toBe(false); // connects in the class initializer, not before
    for (const init of initializers) init.call(Audit);
    expect(saved.send(Article, { instance: {}, created: true }).map(([, boundToClass]) => boundToClass)).toEqual([
      true,
    ]);
    expect(Audit.log).toEqual(['created=true']);
    expect(decorate(() => {}, { kind: 'method', static: true, name: 'x' })).toHaveLength(1);
  });

  it('refuses instance methods, empty lists and non-signals', () => {
    const saved = signal<PostSaveArgs>();
    expect(() => decorate(() => {}, { kind: 'method', static: false, name: 'onSaved' })).toThrowError(
      expect.objectContaining({
        code: 'ERR_INVALID_OPTION',
        message: expect.stringContaining('`onSaved` is an instance method'),
      }),
    );
    expect(() => receiver([])).toThrowError(SignalError);
    expect(() => receiver([saved, {} as never])).toThrowError(
      'Expected `signals[1]` to be a Signal, got `[object Object]` (object)',
    );
  });
});
