import { describe, expect, it } from 'vitest';
import { compose, type Middleware } from '../src/index.js';

const request = () => new Request('http://localhost/path');

function tracing(name: string, log: string[]): Middleware {
  return async (req, next) => {
    log.push(`${name}:before`);
    const response = await next(req);
    log.push(`${name}:after`);
    return response;
  };
}

describe('compose', () => {
  it('runs middleware outermost first and unwinds in reverse', async () => {
    const log: string[] = [];
    const app = compose(
      tracing('a', log),
      tracing('b', log),
    )(() => {
      log.push('handler');
      return new Response('ok');
    });
    const response = await app(request());
    expect(await response.text()).toBe('ok');
    expect(log).toEqual(['a:before', 'b:before', 'handler', 'b:after', 'a:after']);
  });

  it('lets a middleware short-circuit without calling the rest', async () => {
    const log: string[] = [];
    const deny: Middleware = async () => new Response('denied', { status: 403 });
    const app = compose(
      tracing('outer', log),
      deny,
      tracing('inner', log),
    )(() => {
      log.push('handler');
      return new Response('ok');
    });
    const response = await app(request());
    expect(response.status).toBe(403);
    expect(log).toEqual(['outer:before', 'outer:after']);
  });

  it('passes a replaced request down the chain', async () => {
    const rewrite: Middleware = (req, next) => next(new Request(new URL('/rewritten', req.url)));
    const app = compose(rewrite)((req) => new Response(new URL(req.url).pathname));
    expect(await (await app(request())).text()).toBe('/rewritten');
  });

  it('lets a middleware post-process the response', async () => {
    const stamp: Middleware = async (req, next) => {
      const response = await next(req);
      response.headers.set('x-stamp', '1');
      return response;
    };
    const response = await compose(stamp)(() => new Response('ok'))(request());
    expect(response.headers.get('x-stamp')).toBe('1');
  });

  it('propagates a handler error through every middleware, which can catch it', async () => {
    const seen: unknown[] = [];
    const observe: Middleware = async (req, next) => {
      try {
        return await next(req);
      } catch (error) {
        seen.push(error);
        throw error;
      }
    };
    const recover: Middleware = async (req, next) => {
      try {
        return await next(req);
      } catch {
        return new Response('recovered', { status: 500 });
      }
    };
    const boom = new Error('boom');
    const failing = compose(observe)(() => {
      throw boom;
    });
    await expect(failing(request())).rejects.toBe(boom);
    expect(seen).toEqual([boom]);

    const recovered = await compose(recover, observe)(() => Promise.reject(boom))(request());
    expect(recovered.status).toBe(500);
    expect(seen).toEqual([boom, boom]);
  });

  it('propagates a middleware error', async () => {
    const broken: Middleware = async () => {
      throw new RangeError('bad middleware');
    };
    await expect(compose(broken)(() => new Response('ok'))(request())).rejects.toThrow(RangeError);
  });

  it('with no middleware is the handler itself', async () => {
    const response = await compose()(() => new Response('plain'))(request());
    expect(await response.text()).toBe('plain');
  });

  it('rejects non-functions with a TypeError that names the position', () => {
    expect(() => compose((() => undefined) as unknown as Middleware, 'x' as unknown as Middleware)).toThrow(
      /`middleware\[1\]` to be a function.*got `x` \(string\)/,
    );
    expect(() => compose()(42 as never)).toThrow(/`handler` to be a function/);
  });
});

describe('compose: the innermost step', () => {
  it('hands back the handler promise itself, without wrapping it, and a sync answer as a promise', async () => {
    const answer = Promise.resolve(new Response('async'));
    expect(compose()(() => answer)(request())).toBe(answer);
    const sync = compose()(() => new Response('sync'))(request());
    expect(sync).toBeInstanceOf(Promise);
    expect(await (await sync).text()).toBe('sync');
  });
});
