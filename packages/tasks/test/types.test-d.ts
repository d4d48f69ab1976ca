import { describe, expectTypeOf, it } from 'vitest';
import { chain, createTaskApp, group, type TaskHandle } from '../src/index.js';

// Checked by tsc (vitest typecheck mode): the typing the issue asks of defineTask, enqueue and handles.
describe('types', () => {
  const app = createTaskApp();
  const double = app.defineTask('double', async ({ n }: { n: number }) => ({ doubled: n * 2 }));
  const show = app.defineTask('show', (value: { doubled: number }) => `= ${value.doubled}`);

  it('infers payload and result from the handler', async () => {
    expectTypeOf(double.enqueue).parameter(0).toEqualTypeOf<{ n: number }>();
    expectTypeOf(double.enqueue({ n: 1 })).resolves.toEqualTypeOf<TaskHandle<{ doubled: number }>>();
    expectTypeOf((await double.enqueue({ n: 1 })).result()).resolves.toEqualTypeOf<{ doubled: number }>();
    expectTypeOf(show.run({ doubled: 2 })).resolves.toEqualTypeOf<string>();
    // @ts-expect-error the payload must match the handler's
    void double.enqueue({ n: 'one' });
    // @ts-expect-error a payload is required
    void double.enqueue();
    // @ts-expect-error options are checked too
    void double.enqueue({ n: 1 }, { delay: '1s' });
  });

  it('accepts typed tasks in chain() and group()', async () => {
    const chained = await chain<string>(double.with({ n: 1 }), show.with()).enqueue();
    expectTypeOf(chained.result()).resolves.toEqualTypeOf<string>();
    const grouped = await group<[string, string]>([show.with({ doubled: 1 }), show.with({ doubled: 2 })]).enqueue();
    expectTypeOf(grouped.result()).resolves.toEqualTypeOf<[string, string]>();
    // @ts-expect-error a signature's payload must match its task
    void double.with({ doubled: 1 });
  });
});
