import { compose } from '@adv/types';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type GotRequestExceptionArgs,
  gotRequestException,
  type RequestFinishedArgs,
  type RequestStartedArgs,
  requestFinished,
  requestSignals,
  requestStarted,
  SignalError,
  signal,
} from '../src/index.js';

const request = () => new Request('http://localhost/articles?page=2');

describe('requestSignals middleware', () => {
  const stops: (() => boolean)[] = [];
  afterEach(() => {
    for (const stop of stops.splice(0)) stop();
  });

  it('sends requestStarted before the handler and requestFinished with the response after it', async () => {
    const events: string[] = [];
    stops.push(
      requestStarted.connect(({ request, sender }) => {
        events.push(`started ${new URL(request.url).pathname} ${sender === requestSignals}`);
      }),
      requestFinished.connect(async ({ response }) => {
        events.push(`finished ${response?.status}`);
      }),
    );
    const app = compose(requestSignals())(() => {
      events.push('handler');
      return new Response('ok', { status: 201 });
    });
    const response = await app(request());
    expect(response.status).toBe(201);
    expect(await response.text()).toBe('ok');
    expect(events).toEqual(['started /articles true', 'handler', 'finished 201']);
  });

  it('on a handler error: gotRequestException, then requestFinished without a response, then the error propagates', async () => {
    const events: string[] = [];
    const boom = new Error('handler failed');
    stops.push(
      gotRequestException.connect(({ error }) => {
        events.push(`exception ${(error as Error).message}`);
      }),
      requestFinished.connect(({ response }) => {
        events.push(`finished ${response}`);
      }),
    );
    const app = compose(requestSignals())(() => {
      throw boom;
    });
    await expect(app(request())).rejects.toBe(boom);
    expect(events).toEqual(['exception handler failed', 'finished undefined']);
  });

  it('a failing requestFinished or gotRequestException receiver is logged, never replaces the outcome', async () => {
    const logged: unknown[] = [];
    const logger = { error: (fields: unknown) => logged.push(fields) };
    const finished = signal<RequestFinishedArgs>({ name: 'requestFinished' });
    const exception = signal<GotRequestExceptionArgs>({ name: 'gotRequestException' });
    finished.connect(function brokenMetrics() {
      throw new Error('metrics down');
    });
    exception.connect(async () => {
      throw new Error('error tracker down');
    });
    const middleware = requestSignals({
      logger,
      signals: { requestFinished: finished, gotRequestException: exception },
    });
    const ok = await compose(middleware)(() => new Response('fine'))(request());
    expect(await ok.text()).toBe('fine');
    const boom = new Error('handler failed');
    await expect(
      compose(middleware)(() => {
        throw boom;
      })(request()),
    ).rejects.toBe(boom);
    expect(logged).toEqual([
      expect.objectContaining({ signal: 'requestFinished', receiver: 'brokenMetrics' }),
      expect.objectContaining({ signal: 'gotRequestException' }),
      expect.objectContaining({ signal: 'requestFinished' }),
    ]);
  });

  it('a failing requestStarted receiver fails the request before the handler runs', async () => {
    const started = signal<RequestStartedArgs>({ name: 'requestStarted' });
    started.connect(() => {
      throw new Error('rate limited');
    });
    let handled = false;
    const app = compose(requestSignals({ signals: { requestStarted: started }, sender: 'api' }))(() => {
      handled = true;
      return new Response('never');
    });
    await expect(app(request())).rejects.toThrow('rate limited');
    expect(handled).toBe(false);
  });

  it('filters by a custom sender', async () => {
    const seen: string[] = [];
    stops.push(requestStarted.connect(() => seen.push('api'), { sender: 'api' }));
    await compose(requestSignals({ sender: 'admin', logger: { error() {} } }))(() => new Response(''))(request());
    await compose(requestSignals({ sender: 'api', logger: { error() {} } }))(() => new Response(''))(request());
    expect(seen).toEqual(['api']);
  });

  describe('waitForBody', () => {
    const streaming = (chunks: string[]) => {
      const encoder = new TextEncoder();
      return new ReadableStream<Uint8Array>({
        pull(controller) {
          const chunk = chunks.shift();
          if (chunk === undefined) controller.close();
          else controller.enqueue(encoder.encode(chunk));
        },
      });
    };
    const finishedOnce = (finished: ReturnType<typeof signal<RequestFinishedArgs>>) =>
      new Promise<RequestFinishedArgs>((resolve) => {
        finished.connect(resolve);
      });

    it('sends requestFinished once the streamed body has been read', async () => {
      const finished = signal<RequestFinishedArgs>({ name: 'requestFinished' });
      const events: string[] = [];
      finished.connect(() => events.push('finished'));
      const done = finishedOnce(finished);
      const middleware = requestSignals({ waitForBody: true, signals: { requestFinished: finished } });
      const response = await compose(middleware)(
        () => new Response(streaming(['a', 'b', 'c']), { status: 206, headers: { 'x-kind': 'stream' } }),
      )(request());
      expect(events).toEqual([]); // the body has not been read yet
      expect(response.status).toBe(206);
      expect(response.headers.get('x-kind')).toBe('stream');
      expect(await response.text()).toBe('abc');
      const args = await done;
      expect(args.response?.status).toBe(206);
      expect(events).toEqual(['finished']);
    });

    it('sends it when the consumer cancels the body (the client went away)', async () => {
      const finished = signal<RequestFinishedArgs>({ name: 'requestFinished' });
      const done = finishedOnce(finished);
      const middleware = requestSignals({ waitForBody: true, signals: { requestFinished: finished } });
      const response = await compose(middleware)(() => new Response(streaming(['a', 'b', 'c'])))(request());
      const reader = response.body!.getReader();
      await reader.read();
      await reader.cancel();
      await expect(done).resolves.toMatchObject({ response: expect.any(Response) });
    });

    it('sends it at once for a response without a body', async () => {
      const finished = signal<RequestFinishedArgs>({ name: 'requestFinished' });
      const events: string[] = [];
      finished.connect(({ response }) => events.push(`finished ${response?.status}`));
      const middleware = requestSignals({ waitForBody: true, signals: { requestFinished: finished } });
      await compose(middleware)(() => new Response(null, { status: 204 }))(request());
      expect(events).toEqual(['finished 204']);
    });
  });

  it('rejects bad options', () => {
    expect(() => requestSignals(null as never)).toThrowError(SignalError);
    expect(() => requestSignals({ waitForBody: 'yes' as never })).toThrowError(
      'Expected `waitForBody` to be a boolean, got `yes` (string)',
    );
  });
});
