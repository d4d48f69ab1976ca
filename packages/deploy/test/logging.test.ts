import { Writable } from 'node:stream';
import { compose } from '@adv/types';
import { pino } from 'pino';
import { describe, expect, it } from 'vitest';
import {
  getRequestId,
  getRequestLogger,
  REQUEST_LOGGER_DEFAULTS,
  requestLogger,
  uniqueRequestId,
} from '../src/entry/logging.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _encoding, callback) {
      lines.push(JSON.parse(String(chunk)));
      callback();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}

describe('requestLogger', () => {
  it('logs one line per request with a generated id, echoed on the response', async () => {
    const { lines, logger } = capture();
    const seen: (string | undefined)[] = [];
    const app = compose(requestLogger({ logger }))(async () => {
      seen.push(getRequestId());
      getRequestLogger()?.info('inside');
      return new Response('ok', { status: 201 });
    });
    const res = await app(new Request('http://x/items?page=2', { method: 'POST' }));
    const id = res.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(seen).toEqual([id]);
    await new Promise((r) => setImmediate(r));
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ msg: 'inside', requestId: id });
    expect(lines[1]).toMatchObject({
      msg: 'request completed',
      requestId: id,
      level: 30,
      req: { method: 'POST', url: '/items?page=2' },
      res: { status: 201 },
    });
    expect(typeof lines[1]?.responseTime).toBe('number');
    expect(getRequestId()).toBeUndefined();
    // The request line is written by the parent logger (a child per request cost more than the
    // line): the same fields in the same order as a child with `requestId` would write them.
    const childKeys = Object.keys(lines[0]!).filter((key) => key !== 'msg');
    expect(Object.keys(lines[1]!)).toEqual([...childKeys, 'req', 'res', 'responseTime', 'msg']);
    expect(childKeys.slice(-1)).toEqual(['requestId']);
  });

  it('logs the pathname of a request without a query, as parsed by the URL parser', async () => {
    const { lines, logger } = capture();
    const app = compose(requestLogger({ logger }))(async () => new Response('ok'));
    await app(new Request('http://x/a/../b%20c/'));
    await new Promise((r) => setImmediate(r));
    expect(lines[0]).toMatchObject({ req: { method: 'GET', url: '/b%20c/' } });
  });

  it('honours a safe incoming X-Request-Id and replaces an unsafe one', async () => {
    const { lines, logger } = capture();
    const app = compose(requestLogger({ logger, generateId: () => 'generated' }))(async () => new Response('ok'));
    const kept = await app(new Request('http://x/', { headers: { 'x-request-id': 'lb-123.abc:9' } }));
    expect(kept.headers.get('x-request-id')).toBe('lb-123.abc:9');
    const forged = await app(new Request('http://x/', { headers: { 'x-request-id': 'a"} {"level":60 <script>' } }));
    expect(forged.headers.get('x-request-id')).toBe('generated');
    const untrusted = compose(requestLogger({ logger, trustIncoming: false, generateId: () => 'mine' }))(
      async () => new Response(''),
    );
    expect(
      (await untrusted(new Request('http://x/', { headers: { 'x-request-id': 'abc' } }))).headers.get('x-request-id'),
    ).toBe('mine');
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => l.requestId)).toEqual(['lb-123.abc:9', 'generated', 'mine']);
  });

  it('never logs the values of secret query parameters (reset tokens, OAuth codes)', async () => {
    const { lines, logger } = capture();
    const app = compose(requestLogger({ logger, redactQuery: ['invite'] }))(async () => new Response('ok'));
    await app(new Request('http://x/reset?token=s3cr3t-t0ken&user=ann'));
    await app(new Request('http://x/oauth/callback?code=AUTHCODE42&state=xyz&Invite=INV9'));
    await app(new Request('http://x/a?api_key=K3Y&password=hunter2&q=shoes&author=ann'));
    await new Promise((r) => setImmediate(r));
    const urls = lines.map((l) => (l.req as { url: string }).url);
    expect(urls).toEqual([
      '/reset?token=[redacted]&user=ann',
      '/oauth/callback?code=[redacted]&state=xyz&Invite=[redacted]',
      '/a?api_key=[redacted]&password=[redacted]&q=shoes&author=ann',
    ]);
    for (const secret of ['s3cr3t-t0ken', 'AUTHCODE42', 'INV9', 'K3Y', 'hunter2']) {
      expect(JSON.stringify(lines)).not.toContain(secret);
    }
  });

  it('rejects bad options', () => {
    expect(() => requestLogger({ header: 'bad header\n' })).toThrow(/Expected `header` to be an HTTP header name/);
    expect(() => requestLogger({ generateId: 'x' as never })).toThrow(/Expected `generateId`/);
    expect(() => requestLogger({ redactQuery: 'token' as never })).toThrow(/Expected `redactQuery`/);
  });

  it('logs 5xx and thrown errors at error level', async () => {
    const { lines, logger } = capture();
    const failing = compose(requestLogger({ logger }))(async () => new Response('', { status: 503 }));
    await failing(new Request('http://x/'));
    const throwing = compose(requestLogger({ logger }))(async () => {
      throw new Error('kaput');
    });
    await expect(throwing(new Request('http://x/'))).rejects.toThrow('kaput');
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.level, l.msg])).toEqual([
      [50, 'request failed'],
      [50, 'request errored'],
    ]);
    expect(lines[1]?.err).toMatchObject({ message: 'kaput' });
  });

  it('logs a middleware that throws synchronously (not a rejected promise) and rejects, never throws', async () => {
    const { lines, logger } = capture();
    const log = requestLogger({ logger, generateId: () => 'sync-id' });
    const result = log(new Request('http://x/boom'), () => {
      throw new Error('sync kaput');
    });
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toThrow('sync kaput');
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.level, l.msg, l.requestId, (l.req as { url?: string } | undefined)?.url])).toEqual([
      [50, 'request errored', 'sync-id', '/boom'],
    ]);
  });

  it("runs next inside the request context and answers next's response with the id header", async () => {
    const { lines, logger } = capture();
    const log = requestLogger({ logger, generateId: () => 'ctx-id' });
    const response = await log(new Request('http://x/'), () => {
      // Synchronously inside storage.run, before any await.
      return Promise.resolve(new Response(getRequestId() ?? 'none', { status: 201 }));
    });
    expect(response.status).toBe(201);
    expect(await response.text()).toBe('ctx-id');
    expect(response.headers.get('x-request-id')).toBe('ctx-id');
    expect(getRequestId()).toBeUndefined();
    await new Promise((r) => setImmediate(r));
    expect(lines.map((l) => [l.level, l.requestId, (l.res as { status?: number } | undefined)?.status])).toEqual([
      [30, 'ctx-id', 201],
    ]);
  });
});

/** The shape of `crypto.randomUUID()`'s ids: version 4, RFC 9562 variant, lower-case hex. */
const UUID_V4 = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uniqueRequestId (the default generateId)', () => {
  it('is the default, and requestLogger answers with its ids', async () => {
    expect(REQUEST_LOGGER_DEFAULTS.generateId).toBe(uniqueRequestId);
    const { lines, logger } = capture();
    const app = compose(requestLogger({ logger }))(async () => new Response('ok'));
    const ids = [];
    for (let i = 0; i < 3; i++) ids.push((await app(new Request('http://x/'))).headers.get('x-request-id'));
    await new Promise((r) => setImmediate(r));
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(3);
    expect(lines.map((l) => l.requestId)).toEqual(ids);
  });

  it('makes distinct UUID-shaped ids across many runs of 256, each run from a fresh random UUID', () => {
    const ids = Array.from({ length: 256 * 40 }, () => uniqueRequestId());
    for (const id of ids) expect(id).toMatch(UUID_V4);
    expect(new Set(ids).size).toBe(ids.length);
    // Within a run only the first two hex digits change; the rest is a new random UUID's every 256 ids.
    const tails = new Set(ids.map((id) => id.slice(2)));
    expect(tails.size).toBeGreaterThanOrEqual(40);
    expect(tails.size).toBeLessThanOrEqual(41);
    const prefixes = new Set(ids.map((id) => id.slice(0, 2)));
    expect(prefixes.size).toBe(256);
  });
});
