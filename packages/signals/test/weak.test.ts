import { describe, expect, it } from 'vitest';
import { receiver, signal } from '../src/index.js';

// vitest.config.ts runs this project's workers with --expose-gc.
const gc = (globalThis as { gc?: () => void }).gc;

async function collect(until: () => boolean): Promise<void> {
  // A WeakRef target survives the job that created or dereferenced it, so yield to the
  // event loop between collections.
  for (let attempt = 0; attempt < 50 && !until(); attempt++) {
    await new Promise((resolve) => setImmediate(resolve));
    gc!();
  }
}

describe('weak receivers', () => {
  it('runs with --expose-gc', () => {
    expect(typeof gc).toBe('function');
  });

  it('a weak receiver nobody else references is collected and disconnected', async () => {
    const saved = signal<{ sender: unknown; id: number }>();
    const kept: number[] = [];
    const strong = ({ id }: { id: number }) => kept.push(id);
    saved.connect(strong, { weak: true });
    (function connectTemporary() {
      const dropped: number[] = [];
      saved.connect(({ id }) => dropped.push(id), { weak: true, dispatchUid: 'temporary' });
    })();
    expect(saved.send(null, { id: 1 })).toHaveLength(2);

    await collect(() => saved.send(null, { id: 0 }).length === 1);
    expect(saved.send(null, { id: 2 }).map(([receiver]) => receiver)).toEqual([strong]);
    expect(kept).toContain(2);
    // The collected receiver no longer holds its dispatchUid: the uid is free again.
    let reconnected = false;
    await collect(() => {
      const receiver = () => {
        reconnected = true;
      };
      saved.connect(receiver, { dispatchUid: 'temporary' });
      saved.send(null, { id: 3 });
      saved.disconnect({ dispatchUid: 'temporary' });
      return reconnected;
    });
    expect(reconnected).toBe(true);
  });

  it('a strong receiver (the default) is not collected', async () => {
    const saved = signal();
    let calls = 0;
    (function connectInline() {
      saved.connect(() => {
        calls += 1;
      });
    })();
    for (let i = 0; i < 5; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc!();
    }
    saved.send(null);
    expect(calls).toBe(1);
    expect(saved.hasListeners()).toBe(true);
  });

  it('a weak static method connected by @receiver lives as long as its class', async () => {
    const saved = signal<{ sender: unknown; id: number }>();
    let keep: unknown;
    (function defineClass() {
      // biome-ignore lint/complexity/noStaticOnlyClass: receivers grouped on a class are what @receiver decorates
      class Receivers {
        static onSaved({ id }: { id: number }) {
          return id;
        }
      }
      const initializers: ((this: unknown) => void)[] = [];
      receiver(saved, { weak: true })(Receivers.onSaved, {
        kind: 'method',
        static: true,
        name: 'onSaved',
        addInitializer: (init) => initializers.push(init),
      });
      for (const init of initializers) init.call(Receivers);
      keep = Receivers;
    })();
    for (let i = 0; i < 10; i++) {
      await new Promise((resolve) => setImmediate(resolve));
      gc!();
    }
    expect(saved.send(null, { id: 1 }).map(([, result]) => result)).toEqual([1]);
    keep = undefined;
    await collect(() => !saved.hasListeners());
    expect(saved.hasListeners()).toBe(false);
    expect(keep).toBeUndefined();
  });

  it('hasListeners ignores collected weak receivers', async () => {
    const saved = signal();
    (function connectTemporary() {
      saved.connect(() => {}, { weak: true });
    })();
    await collect(() => !saved.hasListeners());
    expect(saved.hasListeners()).toBe(false);
  });
});
