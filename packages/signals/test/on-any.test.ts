import { describe, expect, it } from 'vitest';
import { onAny, type SignalEvent, signal } from '../src/index.js';

describe('onAny (mitt)', () => {
  it('observes every send of every signal, before the receivers, until stopped', async () => {
    const a = signal<{ sender: unknown; n: number }>({ name: 'a' });
    const b = signal({ name: 'b' });
    const order: string[] = [];
    a.connect(() => order.push('receiver'));
    const events: SignalEvent[] = [];
    const stop = onAny((event) => {
      events.push(event);
      order.push('observer');
    });
    a.send('x', { n: 1 });
    b.sendRobust(null);
    a.emit('w', { n: 4 });
    await a.asend('y', { n: 2 });
    await b.asendRobust(null);
    stop();
    stop(); // idempotent
    a.send('z', { n: 3 });
    expect(events.map(({ signal, method, sender }) => `${signal}.${method}(${sender})`)).toEqual([
      'a.send(x)',
      'b.sendRobust(null)',
      'a.emit(w)',
      'a.asend(y)',
      'b.asendRobust(null)',
    ]);
    expect(events[0]!.args).toEqual({ sender: 'x', n: 1 });
    expect(order.slice(0, 2)).toEqual(['observer', 'receiver']);
  });

  it('an observer that throws is logged and does not break the send', () => {
    const logged: unknown[] = [];
    const s = signal({ name: 'fragile' });
    s.connect(() => 'ok');
    const stop = onAny(
      () => {
        throw new Error('observer bug');
      },
      { logger: { error: (fields: unknown) => logged.push(fields) } },
    );
    try {
      expect(s.send(null).map(([, r]) => r)).toEqual(['ok']);
    } finally {
      stop();
    }
    expect(logged).toEqual([expect.objectContaining({ signal: 'fragile' })]);
  });

  it('rejects a non-function handler', () => {
    expect(() => onAny('nope' as never)).toThrowError('Expected `handler` to be a function, got `nope` (string)');
  });
});
