import { describe, expect, it } from 'vitest';
import { Signal, SignalError, signal, withModelSignals } from '../src/index.js';

const expectCode = (fn: () => unknown, message: string) => {
  expect(fn).toThrowError(SignalError);
  expect(fn).toThrowError(expect.objectContaining({ code: 'ERR_INVALID_OPTION', message }));
};

describe('bad inputs get a SignalError with ERR_INVALID_OPTION', () => {
  it('Signal options', () => {
    expectCode(() => new Signal({ name: '' }), 'Expected `name` to be a non-empty string, got `` (string)');
    expectCode(() => new Signal(null as never), 'Expected the options of `Signal()` to be an object, got `null`');
  });

  it('connect', () => {
    const s = signal();
    expectCode(
      () => s.connect('handler' as never),
      'Expected `receiver` to be a function (args) => unknown, got `handler` (string)',
    );
    expectCode(
      () => s.connect(() => {}, { dispatchUid: '' }),
      'Expected `dispatchUid` to be a non-empty string or a symbol, got `` (string)',
    );
    expectCode(
      () => s.connect(() => {}, { dispatchUid: 7 as never }),
      'Expected `dispatchUid` to be a non-empty string or a symbol, got `7` (number)',
    );
    expectCode(
      () => s.connect(() => {}, { weak: 'yes' as never }),
      'Expected `weak` to be a boolean, got `yes` (string)',
    );
    expectCode(
      () => s.connect(() => {}, 5 as never),
      'Expected the options of `connect()` to be an object, got `5` (number)',
    );
  });

  it('disconnect', () => {
    const s = signal();
    expectCode(
      () => s.disconnect({} as never),
      'Expected a receiver function or `{ dispatchUid }` to disconnect, got `[object Object]` (object)',
    );
    expectCode(
      () => s.disconnect({ dispatchUid: '' }),
      'Expected `dispatchUid` to be a non-empty string or a symbol, got `` (string)',
    );
  });

  it('withModelSignals', () => {
    expectCode(
      () => withModelSignals({ save() {} } as never),
      'Expected `repository` to have a `delete` method, got `[object Object]` (object)',
    );
    expectCode(
      () => withModelSignals(null as never),
      'Expected `repository` to have a `save` method, got `null` (null)',
    );
    expectCode(
      () => withModelSignals({ save() {}, delete() {} }, { isNew: true as never }),
      'Expected `isNew` to be a function, got `true` (boolean)',
    );
    expectCode(
      () => withModelSignals({ save() {}, delete() {} }, null as never),
      'Expected the options of `withModelSignals()` to be an object, got `null`',
    );
  });
});
