import { afterEach, describe, expect, it } from 'vitest';
import { html, json, type Server, serve, text } from '../src/index.js';

let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

describe('text(), json(), html()', () => {
  it('are Responses with status, headers and a readable body', async () => {
    const response = json({ id: 1 }, { status: 201, headers: { 'x-id': '1' } });
    expect(response).toBeInstanceOf(Response);
    expect(Object.prototype.toString.call(response)).toBe('[object Response]');
    expect([response.status, response.ok, response.statusText]).toEqual([201, true, '']);
    expect(response.headers.get('content-type')).toBe('application/json');
    expect(response.headers.get('x-id')).toBe('1');
    expect(await response.json()).toEqual({ id: 1 });
    expect(response.bodyUsed).toBe(true);
    expect(html('<p>hi</p>').headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await text('plain').text()).toBe('plain');
  });

  it('can be wrapped, cloned and have headers changed by middleware', async () => {
    const original = text('body', { headers: { 'x-a': '1' } });
    original.headers.set('x-b', '2');
    const wrapped = new Response(original.body, original);
    expect(wrapped.headers.get('x-b')).toBe('2');
    expect(await wrapped.text()).toBe('body');
    const copy = text('again').clone();
    expect(await copy.text()).toBe('again');
  });

  it('are written by serve() with a Content-Length, and keep header changes', async () => {
    server = await serve(
      async (request) => {
        if (request.url.endsWith('/json')) return json({ ok: true });
        const response = text('hello world', { status: 202 });
        response.headers.set('x-after', 'yes');
        return response;
      },
      { port: 0 },
    );
    const response = await fetch(server.url);
    expect(response.status).toBe(202);
    expect(response.headers.get('content-length')).toBe('11');
    expect(response.headers.get('x-after')).toBe('yes');
    expect(await response.text()).toBe('hello world');
    expect(await (await fetch(`${server.url}/json`)).json()).toEqual({ ok: true });
    const head = await fetch(server.url, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe('11');
    expect(await head.text()).toBe('');
  });

  it('keep a Content-Length and Set-Cookie headers given in init', async () => {
    server = await serve(
      () => {
        const headers = new Headers({ 'content-length': '5' });
        headers.append('set-cookie', 'a=1');
        headers.append('set-cookie', 'b=2');
        return text('hello', { headers });
      },
      { port: 0 },
    );
    const response = await fetch(server.url);
    expect(response.headers.get('content-length')).toBe('5');
    expect(response.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
    expect(response.headers.get('content-type')).toBe('text/plain; charset=utf-8');
    expect(await response.text()).toBe('hello');
  });

  it('validate their arguments', () => {
    expect(() => text(1 as never)).toThrow('Expected `body` to be a string, got `1` (number)');
    expect(() => json(undefined)).toThrow(/Expected `value` to be JSON-serialisable/);
    expect(() => text('x', { status: 99 })).toThrow(
      'Expected `status` to be an HTTP status from 200 to 599, got `99` (number)',
    );
  });
});
