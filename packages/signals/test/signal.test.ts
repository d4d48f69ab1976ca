import { describe, expect, it } from 'vitest';
import { Signal, SignalError, signal } from '../src/index.js';

class Article {}
class Comment {}
class SpecialArticle extends Article {}

type SavedArgs = { sender: unknown; id: number };

describe('connect and send', () => {
  it('calls receivers in connection order with one args object and returns [receiver, result] pairs', () => {
    const saved = signal<SavedArgs, string>({ name: 'saved' });
    const calls: string[] = [];
    const first = ({ id, sender }: SavedArgs) => {
      calls.push(`first:${id}:${sender === Article}`);
      return 'a';
    };
    const second = ({ id }: SavedArgs) => {
      calls.push(`second:${id}`);
      return 'b';
    };
    saved.connect(first);
    saved.connect(second);
    const results = saved.send(Article, { id: 7 });
    expect(calls).toEqual(['first:7:true', 'second:7']);
    expect(results).toEqual([
      [first, 'a'],
      [second, 'b'],
    ]);
  });

  it('returns an empty list when nobody listens', () => {
    expect(signal().send(Article)).toEqual([]);
  });

  it('filters by sender identity: a class, a subclass and a plain value are different senders', () => {
    const saved = signal<SavedArgs>();
    const seen: string[] = [];
    saved.connect(() => seen.push('article'), { sender: Article });
    saved.connect(() => seen.push('comment'), { sender: Comment });
    saved.connect(() => seen.push('value'), { sender: 'articles-table' });
    saved.connect(() => seen.push('any'));
    saved.send(Article, { id: 1 });
    saved.send(SpecialArticle, { id: 2 });
    saved.send('articles-table', { id: 3 });
    expect(seen).toEqual(['article', 'any', 'any', 'value', 'any']);
  });

  it('a sender inside the payload never replaces the one receivers are filtered by', () => {
    const saved = signal<SavedArgs>();
    const seen: unknown[] = [];
    saved.connect(({ sender }) => seen.push(sender), { sender: Article });
    saved.send(Article, { id: 1, sender: Comment } as never);
    expect(seen).toEqual([Article]);
  });

  it('connects the same receiver once per sender', () => {
    const saved = signal<SavedArgs>();
    let count = 0;
    const onSaved = () => {
      count += 1;
    };
    saved.connect(onSaved);
    saved.connect(onSaved);
    saved.connect(onSaved, { sender: Article });
    saved.send(Comment, { id: 1 });
    expect(count).toBe(1);
    saved.send(Article, { id: 1 });
    expect(count).toBe(3);
  });

  it('dedupes by dispatchUid: a module evaluated twice (hot reload) connects once', () => {
    const saved = signal<SavedArgs>();
    const calls: string[] = [];
    const load = (version: string) => saved.connect(() => calls.push(version), { dispatchUid: 'audit' });
    load('v1');
    load('v2');
    saved.send(Article, { id: 1 });
    expect(calls).toEqual(['v1']);
    const uid = Symbol('audit');
    saved.connect(() => calls.push('symbol'), { dispatchUid: uid });
    saved.connect(() => calls.push('symbol again'), { dispatchUid: uid });
    saved.send(Article, { id: 2 });
    expect(calls).toEqual(['v1', 'v1', 'symbol']);
  });
});

describe('disconnect', () => {
  it('disconnects by receiver, by receiver and sender, by dispatchUid, and via the returned function', () => {
    const saved = signal<SavedArgs>();
    const seen: string[] = [];
    const plain = () => seen.push('plain');
    const filtered = () => seen.push('filtered');
    saved.connect(plain);
    saved.connect(filtered, { sender: Article });
    saved.connect(() => seen.push('uid'), { dispatchUid: 'uid' });
    const stop = saved.connect(() => seen.push('returned'));

    expect(saved.disconnect(filtered)).toBe(false); // connected with a sender: needs it
    expect(saved.disconnect(filtered, { sender: Article })).toBe(true);
    expect(saved.disconnect(plain)).toBe(true);
    expect(saved.disconnect(plain)).toBe(false);
    expect(saved.disconnect({ dispatchUid: 'uid' })).toBe(true);
    saved.send(Article, { id: 1 });
    expect(seen).toEqual(['returned']);
    expect(stop()).toBe(true);
    expect(stop()).toBe(false);
    expect(saved.hasListeners()).toBe(false);
  });

  it('a receiver disconnected during a send still runs in that send, not in the next (Django semantics)', () => {
    const saved = signal<SavedArgs>();
    const seen: string[] = [];
    const second = () => seen.push('second');
    saved.connect(() => {
      seen.push('first');
      saved.disconnect(second);
      saved.connect(() => seen.push('late'), { dispatchUid: 'late' });
    });
    saved.connect(second);
    saved.send(Article, { id: 1 });
    expect(seen).toEqual(['first', 'second']);
    seen.length = 0;
    saved.send(Article, { id: 2 });
    expect(seen).toEqual(['first', 'late']);
  });

  it('disconnects by function a receiver that was connected with a dispatchUid', () => {
    const saved = signal<SavedArgs>();
    const withUid = () => 'uid';
    saved.connect(withUid, { dispatchUid: 'with-uid' });
    saved.connect(withUid, { dispatchUid: 'for-article', sender: Article });
    expect(saved.disconnect(withUid)).toBe(true);
    expect(saved.disconnect(withUid)).toBe(false);
    expect(saved.send(Article, { id: 1 })).toEqual([[withUid, 'uid']]);
    expect(saved.disconnect(withUid, { sender: Article })).toBe(true);
    expect(saved.hasListeners()).toBe(false);
  });

  it('a receiver that disconnects itself runs once', () => {
    const saved = signal<SavedArgs>();
    let count = 0;
    const once = () => {
      count += 1;
      saved.disconnect(once);
    };
    saved.connect(once);
    saved.send(Article, { id: 1 });
    saved.send(Article, { id: 2 });
    expect(count).toBe(1);
  });
});

describe('hasListeners', () => {
  it('without an argument: any receiver; with a sender: whether a send from it reaches one', () => {
    const saved = signal<SavedArgs>();
    expect(saved.hasListeners()).toBe(false);
    saved.connect(() => {}, { sender: Article });
    expect(saved.hasListeners()).toBe(true);
    expect(saved.hasListeners(Article)).toBe(true);
    expect(saved.hasListeners(Comment)).toBe(false);
    saved.connect(() => {});
    expect(saved.hasListeners(Comment)).toBe(true);
  });
});

describe('errors in receivers', () => {
  const boom = new Error('boom');

  it('send: the first error stops the send and propagates', () => {
    const saved = signal<SavedArgs>();
    const seen: string[] = [];
    saved.connect(() => seen.push('before'));
    saved.connect(() => {
      throw boom;
    });
    saved.connect(() => seen.push('after'));
    expect(() => saved.send(Article, { id: 1 })).toThrow(boom);
    expect(seen).toEqual(['before']);
  });

  it('sendRobust: every receiver runs; errors are returned in place of results', () => {
    const saved = signal<SavedArgs, string>();
    const ok = () => 'ok';
    const fails = () => {
      throw boom;
    };
    const throwsString = () => {
      throw 'plain string';
    };
    const after = () => 'after';
    saved.connect(ok);
    saved.connect(fails);
    saved.connect(throwsString);
    saved.connect(after);
    const results = saved.sendRobust(Article, { id: 1 });
    expect(results.map(([receiver]) => receiver)).toEqual([ok, fails, throwsString, after]);
    expect(results[0]![1]).toBe('ok');
    expect(results[1]![1]).toBe(boom);
    const wrapped = results[2]![1] as SignalError;
    expect(wrapped).toBeInstanceOf(SignalError);
    expect(wrapped.code).toBe('ERR_RECEIVER_FAILED');
    expect(wrapped.cause).toBe('plain string');
    expect(results[3]![1]).toBe('after');
  });
});

describe('async receivers', () => {
  it('send with an async receiver throws ERR_ASYNC_RECEIVER before any receiver runs', () => {
    const saved = signal<SavedArgs>({ name: 'saved' });
    const seen: string[] = [];
    saved.connect(() => seen.push('sync'));
    saved.connect(async function notifyAsync() {
      seen.push('async');
    });
    expect(() => saved.send(Article, { id: 1 })).toThrowError(
      expect.objectContaining({
        code: 'ERR_ASYNC_RECEIVER',
        message: expect.stringContaining('Receiver `notifyAsync` of signal `saved` is async'),
      }),
    );
    expect(seen).toEqual([]);
  });

  it('an async receiver for another sender does not block a sync send', () => {
    const saved = signal<SavedArgs>();
    saved.connect(async () => 'never', { sender: Comment });
    saved.connect(() => 'sync');
    expect(saved.send(Article, { id: 1 }).map(([, result]) => result)).toEqual(['sync']);
  });

  it('send with a plain function that returns a promise throws instead of dropping it', () => {
    const saved = signal<SavedArgs>();
    saved.connect(() => Promise.resolve('late'));
    expect(() => saved.send(Article, { id: 1 })).toThrowError(
      expect.objectContaining({ code: 'ERR_ASYNC_RECEIVER', message: expect.stringContaining('returned a promise') }),
    );
  });

  it('send checks every object or function result for a then method, and passes primitives and plain objects through', () => {
    // The send loop only looks up `then` on objects and functions: a thenable of either kind is still refused.
    // biome-ignore lint/suspicious/noThenProperty: a thenable function is what this test sends
    const thenableFunction = Object.assign(() => {}, { then: (resolve: (value: string) => void) => resolve('late') });
    // biome-ignore lint/suspicious/noThenProperty: a thenable object is what this test sends
    const thenableObject = { then: () => {} };
    for (const returned of [thenableObject, thenableFunction]) {
      const saved = signal<SavedArgs>();
      saved.connect(() => returned);
      expect(() => saved.send(Article, { id: 1 })).toThrowError(
        expect.objectContaining({ code: 'ERR_ASYNC_RECEIVER', message: expect.stringContaining('returned a promise') }),
      );
    }
    // biome-ignore lint/suspicious/noThenProperty: a `then` that is not a function is not a thenable
    const plain = { then: 'not a function' };
    const fn = () => 1;
    const saved = signal<SavedArgs>();
    for (const value of [0, '', null, undefined, false, 1n, Symbol.for('s'), plain, fn]) saved.connect(() => value);
    expect(saved.send(Article, { id: 1 }).map(([, result]) => result)).toEqual([
      0,
      '',
      null,
      undefined,
      false,
      1n,
      Symbol.for('s'),
      plain,
      fn,
    ]);
  });

  it('a promise a sync send cannot await never becomes an unhandled rejection', async () => {
    const saved = signal<SavedArgs>();
    saved.connect(function failsLater() {
      return Promise.reject(new Error('late failure'));
    });
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      expect(() => saved.send(Article, { id: 1 })).toThrowError(
        expect.objectContaining({ code: 'ERR_ASYNC_RECEIVER', message: expect.stringContaining('`failsLater`') }),
      );
      const [[, outcome]] = saved.sendRobust(Article, { id: 2 }) as [[unknown, SignalError]];
      expect(outcome.code).toBe('ERR_ASYNC_RECEIVER');
      // Node reports unhandled rejections once the microtask queue drains: two turns of the loop.
      await new Promise((resolve) => setImmediate(resolve));
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('sendRobust reports async receivers as errors without calling them', () => {
    const saved = signal<SavedArgs>();
    let called = false;
    saved.connect(async () => {
      called = true;
    });
    saved.connect(() => 'sync');
    const results = saved.sendRobust(Article, { id: 1 });
    expect((results[0]![1] as SignalError).code).toBe('ERR_ASYNC_RECEIVER');
    expect(results[1]![1]).toBe('sync');
    expect(called).toBe(false);
  });

  it('asend starts every receiver before awaiting any (concurrently) and keeps connection order', async () => {
    const saved = signal<SavedArgs, string>();
    const events: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((resolve) => {
      release = resolve;
    });
    saved.connect(async () => {
      events.push('slow:start');
      await gate;
      events.push('slow:end');
      return 'slow';
    });
    saved.connect(() => {
      events.push('sync');
      return 'sync';
    });
    saved.connect(async () => {
      events.push('fast:start');
      release();
      return 'fast';
    });
    const results = await saved.asend(Article, { id: 1 });
    expect(events).toEqual(['slow:start', 'sync', 'fast:start', 'slow:end']);
    expect(results.map(([, result]) => result)).toEqual(['slow', 'sync', 'fast']);
  });

  it('asend waits for every receiver, then rejects with the first error in connection order', async () => {
    const saved = signal<SavedArgs>();
    const first = new Error('first');
    let settled = 0;
    saved.connect(async () => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      settled += 1;
      throw first;
    });
    saved.connect(() => {
      settled += 1;
      throw new Error('second (sync, fails earlier in time)');
    });
    saved.connect(async () => {
      await new Promise((resolve) => setTimeout(resolve, 30));
      settled += 1;
    });
    await expect(saved.asend(Article, { id: 1 })).rejects.toBe(first);
    expect(settled).toBe(3);
  });

  it('asendRobust returns each result or error in connection order', async () => {
    const saved = signal<SavedArgs, number>();
    const boom = new Error('boom');
    saved.connect(async ({ id }) => id * 2);
    saved.connect(async () => {
      throw boom;
    });
    saved.connect(({ id }) => id + 1);
    saved.connect(() => {
      throw 42;
    });
    const results = await saved.asendRobust(Article, { id: 5 });
    expect(results.map(([, result]) => result)).toEqual([10, boom, 6, expect.any(SignalError)]);
    expect((results[3]![1] as SignalError).cause).toBe(42);
  });
});

describe('Signal class', () => {
  it('new Signal() and signal() build the same thing; the name shows in errors', () => {
    const a = new Signal({ name: 'a' });
    const b = signal({ name: 'b' });
    expect(a).toBeInstanceOf(Signal);
    expect(b).toBeInstanceOf(Signal);
    expect(a.name).toBe('a');
    expect(signal().name).toBe('signal');
  });
});

describe('emit: send without the results', () => {
  it('calls the same receivers as send, in order, with one args object, and returns how many it called', () => {
    const saved = signal<SavedArgs>({ name: 'saved' });
    const calls: string[] = [];
    saved.connect(({ id, sender }) => {
      calls.push(`all:${id}:${sender === Article}`);
      return 'a';
    });
    saved.connect(({ id }) => void calls.push(`article:${id}`), { sender: Article });
    saved.connect(({ id }) => void calls.push(`comment:${id}`), { sender: Comment });
    const weakReceiver = ({ id }: SavedArgs) => void calls.push(`weak:${id}`);
    saved.connect(weakReceiver, { weak: true });
    expect(saved.emit(Article, { id: 1, sender: Comment } as never)).toBe(3);
    expect(saved.emit(Comment, { id: 2 })).toBe(3);
    expect(saved.emit(SpecialArticle, { id: 3 })).toBe(2);
    expect(signal().emit(Article)).toBe(0);
    expect(calls).toEqual([
      'all:1:true',
      'article:1',
      'weak:1',
      'all:2:false',
      'comment:2',
      'weak:2',
      'all:3:false',
      'weak:3',
    ]);
  });

  it('stops at the first error, and refuses async receivers before any runs, as send does', () => {
    const saved = signal<SavedArgs>({ name: 'saved' });
    const seen: string[] = [];
    saved.connect(() => void seen.push('first'));
    saved.connect(() => {
      throw new Error('boom');
    });
    saved.connect(() => void seen.push('never'));
    expect(() => saved.emit(Article, { id: 1 })).toThrow('boom');
    expect(seen).toEqual(['first']);

    const withAsync = signal<SavedArgs>({ name: 'withAsync' });
    withAsync.connect(() => void seen.push('sync'));
    withAsync.connect(async function notifyAsync() {});
    expect(() => withAsync.emit(Article, { id: 1 })).toThrowError(
      expect.objectContaining({ code: 'ERR_ASYNC_RECEIVER', message: expect.stringContaining('`notifyAsync`') }),
    );
    const promising = signal<SavedArgs>({ name: 'promising' });
    promising.connect(() => Promise.resolve('late'));
    expect(() => promising.emit(Article, { id: 1 })).toThrowError(
      expect.objectContaining({ code: 'ERR_ASYNC_RECEIVER', message: expect.stringContaining('returned a promise') }),
    );
    expect(seen).toEqual(['first']);
  });
});
