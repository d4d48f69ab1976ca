import { describe, expect, it } from 'vitest';
import {
  atomic,
  onAny,
  onCommit,
  receiver,
  requestSignals,
  Signal,
  SignalError,
  signal,
  withM2mSignals,
  withModelSignals,
} from '../src/index.js';

/** The shared adv message: the unknown key, the did-you-mean, the valid names. */
const refused = (fn: () => unknown, name: string, key: string, meant: string): void => {
  let caught: unknown;
  try {
    fn();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(SignalError);
  expect((caught as SignalError).code).toBe('ERR_INVALID_OPTION');
  expect((caught as SignalError).message).toMatch(
    new RegExp(
      `^Unknown option \`${key.replace('.', '\\.')}\` of \`${name}\\(\\)\`; did you mean \`${meant.replace('.', '\\.')}\`\\? Valid options: .*\`${meant.replace('.', '\\.')}\``,
    ),
  );
};

const repository = () => ({ save: (_instance: unknown) => 1, delete: (_instance: unknown) => 1 });
const relation = () => ({
  add: (_instance: unknown, _keys: unknown) => {},
  remove: (_instance: unknown, _keys: unknown) => {},
  clear: (_instance: unknown) => {},
});

describe('a misspelled option is refused with a did-you-mean', () => {
  it('Signal / signal', () => {
    refused(() => new Signal({ nam: 'x' } as never), 'Signal', 'nam', 'name');
    refused(() => signal({ Name: 'x' } as never), 'Signal', 'Name', 'name');
  });

  it('connect', () => {
    const s = signal();
    refused(() => s.connect(() => {}, { dispatchUID: 'x' } as never), 'connect', 'dispatchUID', 'dispatchUid');
    refused(() => s.connect(() => {}, { weka: true } as never), 'connect', 'weka', 'weak');
    expect(s.hasListeners()).toBe(false);
  });

  it('disconnect', () => {
    const s = signal();
    const fn = () => {};
    s.connect(fn);
    refused(() => s.disconnect(fn, { sendr: 1 } as never), 'disconnect', 'sendr', 'sender');
    refused(() => s.disconnect({ dispatchUid: 'x', sendr: 1 } as never), 'disconnect', 'sendr', 'sender');
    expect(s.hasListeners()).toBe(true);
  });

  it('receiver, where the decorator is written', () => {
    const s = signal();
    refused(() => receiver(s, { dispatch_uid: 'x' } as never), 'receiver', 'dispatch_uid', 'dispatchUid');
  });

  it('atomic', async () => {
    // atomic is async: its refusal is a rejection.
    const relase = atomic(() => 1, { relase: () => {} } as never);
    await expect(relase).rejects.toBeInstanceOf(SignalError);
    await expect(relase).rejects.toThrow(
      /^Unknown option `relase` of `atomic\(\)`; did you mean `release`\? Valid options:/,
    );
    await expect(atomic(() => 1, { durabel: true } as never)).rejects.toThrow(/did you mean `durable`\?/);
  });

  it('onCommit', () => {
    refused(() => onCommit(() => {}, { timout: 5 } as never), 'onCommit', 'timout', 'timeout');
    refused(() => onCommit(() => {}, { robst: true } as never), 'onCommit', 'robst', 'robust');
  });

  it('onAny', () => {
    refused(() => onAny(() => {}, { loger: console } as never), 'onAny', 'loger', 'logger');
  });

  it('withModelSignals, also inside `signals`', () => {
    refused(() => withModelSignals(repository(), { isnew: () => true } as never), 'withModelSignals', 'isnew', 'isNew');
    refused(
      () => withModelSignals(repository(), { signals: { postSav: signal() } } as never),
      'withModelSignals',
      'signals.postSav',
      'signals.postSave',
    );
  });

  it('withM2mSignals', () => {
    refused(() => withM2mSignals(relation(), { revers: true } as never), 'withM2mSignals', 'revers', 'reverse');
  });

  it('requestSignals, also inside `signals`', () => {
    refused(() => requestSignals({ waitForBdy: true } as never), 'requestSignals', 'waitForBdy', 'waitForBody');
    refused(
      () => requestSignals({ signals: { requestFinish: signal() } } as never),
      'requestSignals',
      'signals.requestFinish',
      'signals.requestFinished',
    );
  });
});

describe('an explicit undefined keeps the default', () => {
  it('Signal name stays `signal`', () => {
    expect(new Signal({ name: undefined }).name).toBe('signal');
  });

  it('connect weak stays false: the receiver is held strongly', () => {
    const s = signal<{ sender: unknown }>();
    const calls: unknown[] = [];
    s.connect(({ sender }) => calls.push(sender), { weak: undefined, sender: undefined, dispatchUid: undefined });
    s.send('a');
    s.send('b');
    expect(calls).toEqual(['a', 'b']);
  });

  it('receiver keeps the defaults of connect', () => {
    const s = signal<{ sender: unknown }>();
    const calls: unknown[] = [];
    receiver(s, { weak: undefined })(({ sender }) => calls.push(sender));
    s.send(1);
    expect(calls).toEqual([1]);
  });

  it('atomic durable stays false: nesting is allowed', async () => {
    await expect(atomic(() => atomic(() => 7, { durable: undefined }))).resolves.toBe(7);
  });

  it('onCommit robust stays false: the error is thrown from atomic', async () => {
    const error = new Error('boom');
    await expect(
      atomic(() => {
        onCommit(
          () => {
            throw error;
          },
          { robust: undefined, logger: undefined, timeout: undefined },
        );
      }),
    ).rejects.toBe(error);
  });

  it('onAny logger stays console', () => {
    const stop = onAny(() => {}, { logger: undefined });
    stop();
  });

  it('withModelSignals: isNew, sender and signals keep their defaults', async () => {
    const s = signal<{ sender: unknown; instance: unknown; created: boolean }>();
    const seen: unknown[] = [];
    s.connect(({ sender, created }) => seen.push([sender, created]));
    const repo = repository();
    const wrapped = withModelSignals(repo, {
      isNew: undefined,
      sender: undefined,
      signals: { postSave: s as never, preSave: undefined },
    });
    await wrapped.save({ id: undefined });
    await wrapped.save({ id: 3 });
    expect(seen).toEqual([
      [repo, true],
      [repo, false],
    ]);
  });

  it('withM2mSignals: reverse stays false and signal stays m2mChanged', async () => {
    const rel = relation();
    const { m2mChanged } = await import('../src/index.js');
    const seen: unknown[] = [];
    const stop = m2mChanged.connect(({ reverse, sender }) => void seen.push([reverse, sender]));
    try {
      await withM2mSignals(rel, { reverse: undefined, signal: undefined, sender: undefined }).add({}, [1]);
    } finally {
      stop();
    }
    expect(seen).toEqual([
      [false, rel],
      [false, rel],
    ]);
  });

  it('requestSignals: waitForBody stays false and the built-in signals are sent', async () => {
    const { requestFinished } = await import('../src/index.js');
    const seen: unknown[] = [];
    const stop = requestFinished.connect(({ sender }) => void seen.push(sender));
    try {
      const middleware = requestSignals({ waitForBody: undefined, sender: undefined, signals: undefined });
      const response = await middleware(new Request('http://x/'), async () => new Response('ok'));
      // Without waitForBody, requestFinished is sent before the body is read.
      expect(seen).toHaveLength(1);
      expect(await response.text()).toBe('ok');
    } finally {
      stop();
    }
    expect(seen).toEqual([requestSignals]);
  });
});
