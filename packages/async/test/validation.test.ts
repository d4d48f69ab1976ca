import { describe, expect, it } from 'vitest';
import { AsyncError, createWorkerPool, deadline, gather, limit, serve } from '../src/index.js';

const ok = () => new Response('ok');

describe('option validation: one message shape, typed errors', () => {
  it('serve rejects bad options before binding', async () => {
    await expect(serve('nope' as never)).rejects.toThrow(
      'Expected `handler` to be a function (request) => Response, got `nope` (string)',
    );
    await expect(serve(ok, { port: -1 })).rejects.toThrow(
      'Expected `port` to be an integer from 0 to 65535, got `-1` (number)',
    );
    await expect(serve(ok, { port: 0, host: '' })).rejects.toThrow(
      'Expected `host` to be a non-empty string, got `` (string)',
    );
    await expect(serve(ok, { port: 0, bodyLimit: -5 })).rejects.toThrow(
      'Expected `bodyLimit` to be a non-negative number of bytes (or Infinity), got `-5` (number)',
    );
    await expect(serve(ok, { port: 0, shutdownTimeout: 1.5 })).rejects.toThrow(
      'Expected `shutdownTimeout` to be a non-negative number of milliseconds, got `1.5` (number)',
    );
    await expect(serve(ok, { port: 0, signal: {} as never })).rejects.toThrow(/Expected `signal` to be an AbortSignal/);
    await expect(serve(ok, { port: 0, websocket: { ws: {} } })).rejects.toThrow(
      'Expected `websocket path` to be a path starting with `/`, got `ws` (string)',
    );
    const error = await serve(ok, { port: 70_000 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(AsyncError);
    expect((error as AsyncError).code).toBe('ERR_INVALID_OPTION');
  });

  it('limit, gather, deadline and the worker pool reject bad arguments', async () => {
    expect(() => limit(0)).toThrow('Expected `concurrency` to be a number from 1 and up, got `0` (number)');
    expect(() => limit(Number.NaN)).toThrow(/got `NaN` \(number\)/);
    await expect(gather([() => 1], { concurrency: 0 })).rejects.toThrow(/Expected `concurrency`/);
    await expect(gather([1 as never])).rejects.toThrow(
      'Expected `tasks[0]` to be a function (signal) => value, got `1` (number)',
    );
    await expect(gather(null as never)).rejects.toThrow(/Expected `tasks` to be an iterable/);
    await expect(gather([() => 1], { timeout: -1 })).rejects.toThrow(/Expected `timeout`/);
    expect(() => deadline(-1)).toThrow('Expected `ms` to be a non-negative number of milliseconds, got `-1` (number)');
    expect(() => deadline(10, { status: 99 })).toThrow(/Expected `status` to be an HTTP status/);
    expect(() => createWorkerPool({ size: 0 })).toThrow(/Expected `size` to be an integer from 1 and up/);
    const pool = createWorkerPool({ size: 1 });
    await expect(pool.run('code' as never)).rejects.toThrow(/Expected `fn` to be a self-contained function/);
    await expect(pool.run(() => 1, 'x' as never)).rejects.toThrow(/Expected `args` to be an array/);
    await pool.destroy();
  });
});
