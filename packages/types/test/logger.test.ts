import { pino } from 'pino';
import { describe, expect, expectTypeOf, it } from 'vitest';
import { type Logger, silentLogger } from '../src/index.js';

describe('Logger', () => {
  it('is satisfied by console and by pino without adapters', () => {
    expectTypeOf(console).toExtend<Logger>();
    const logger = pino({ enabled: false });
    expectTypeOf(logger).toExtend<Logger>();
    const accepts = (l: Logger) => l.info({ at: 'test' }, 'message');
    expect(() => accepts(logger)).not.toThrow();
  });

  it('silentLogger swallows every level', () => {
    for (const level of ['debug', 'info', 'warn', 'error'] as const) {
      expect(silentLogger[level]('x', { y: 1 })).toBeUndefined();
    }
  });
});
