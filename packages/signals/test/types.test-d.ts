import type { SignalLike } from '@adv/types';
import { describe, expectTypeOf, it } from 'vitest';
import {
  m2mChanged,
  type PostSaveArgs,
  postSave,
  type Receiver,
  type RobustResult,
  receiver,
  requestFinished,
  Signal,
  signal,
} from '../src/index.js';

class Order {}
type PaidArgs = { sender: typeof Order; orderId: string; amount: number };

describe('public types', () => {
  it('a Signal satisfies the SignalLike contract of @adv/types', () => {
    const paid = signal<PaidArgs>();
    expectTypeOf(paid).toExtend<SignalLike<PaidArgs>>();
    expectTypeOf(postSave).toExtend<SignalLike<PostSaveArgs>>();
    const accept = (_: SignalLike<PaidArgs>) => {};
    accept(new Signal<PaidArgs>());
  });

  it('a receiver takes one args object { sender, ...payload }', () => {
    const paid = signal<PaidArgs, number>();
    paid.connect(({ sender, orderId, amount }) => {
      expectTypeOf(sender).toEqualTypeOf<typeof Order>();
      expectTypeOf(orderId).toEqualTypeOf<string>();
      return amount;
    });
    // @ts-expect-error the receiver must return the signal's result type
    paid.connect(() => 'not a number');
    expectTypeOf<Receiver<PaidArgs, number>>().parameter(0).toEqualTypeOf<PaidArgs>();
  });

  it('send checks the sender and the payload; sendRobust types errors in', () => {
    const paid = signal<PaidArgs, number>();
    paid.send(Order, { orderId: 'o1', amount: 3 });
    expectTypeOf(paid.emit(Order, { orderId: 'o1', amount: 3 })).toEqualTypeOf<number>();
    // @ts-expect-error the payload is checked as send's is
    paid.emit(Order, { orderId: 'o1' });
    // @ts-expect-error amount is missing
    paid.send(Order, { orderId: 'o1' });
    // @ts-expect-error the sender must be the Order class
    paid.send('Order', { orderId: 'o1', amount: 3 });
    expectTypeOf(paid.sendRobust(Order, { orderId: 'o1', amount: 1 })).toEqualTypeOf<
      RobustResult<PaidArgs, number>[]
    >();
    expectTypeOf(paid.asend(Order, { orderId: 'o1', amount: 1 })).resolves.items.toExtend<[unknown, number]>();
  });

  it('the payload may be omitted when no payload field is required', () => {
    const ping = signal();
    ping.send(undefined);
    const optional = signal<{ sender: unknown; note?: string }>();
    optional.send(null);
    requestFinished.connect(({ response }) => {
      expectTypeOf(response).toEqualTypeOf<Response | undefined>();
    });
  });

  it('receiver() works as a TC39 decorator on static methods', () => {
    // biome-ignore lint/complexity/noStaticOnlyClass: receivers grouped on a class are what @receiver decorates
    class Audit {
      @receiver(postSave)
      static onSaved({ created }: PostSaveArgs) {
        return created;
      }
    }
    expectTypeOf(Audit.onSaved).parameter(0).toEqualTypeOf<PostSaveArgs>();
    const decorated = receiver(postSave)(({ instance }) => instance);
    expectTypeOf(decorated).returns.toEqualTypeOf<unknown>();
  });

  it('model signals type the instance from a class sender', () => {
    class Article {
      title = '';
    }
    postSave.connect(
      ({ sender, instance, created }) => {
        expectTypeOf(sender).toEqualTypeOf<typeof Article>();
        expectTypeOf(instance).toEqualTypeOf<Article>();
        expectTypeOf(created).toEqualTypeOf<boolean>();
        return instance.title;
      },
      { sender: Article },
    );
    postSave.connect(({ instance }) => {
      expectTypeOf(instance).toEqualTypeOf<unknown>();
    });
    postSave.connect(
      ({ instance }) => {
        expectTypeOf(instance).toEqualTypeOf<unknown>();
      },
      { sender: 'articles-table' },
    );
    const onSaved = ({ instance }: { instance: Article }) => instance.title;
    postSave.connect(onSaved, { sender: Article });
    postSave.disconnect(onSaved, { sender: Article });
    m2mChanged.connect(
      ({ instance }) => {
        expectTypeOf(instance).toEqualTypeOf<unknown>(); // the sender is the relation, not the model
      },
      { sender: Article },
    );
    // @ts-expect-error `instance` is an Article: it has no `missing` field
    postSave.connect(({ instance }) => instance.missing, { sender: Article });
  });
});
