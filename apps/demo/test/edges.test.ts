import { mkdtempSync, rmSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { loadConfig } from '../src/config.js';
import { type Running, startServer } from '../src/start.js';

// Hostile requests against the real server (node:http + the app): each gets a clear 4xx with
// the security headers, never a 500.

let running: Running;
let dataDir: string;

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'adv-demo-edges-'));
  running = await startServer(
    loadConfig(
      { LOG_LEVEL: 'silent', PORT: '0', ALLOWED_HOSTS: 'localhost,127.0.0.1' },
      { dataDir, staticRoot: join(dataDir, 'static') },
    ),
  );
}, 60_000);
afterAll(async () => {
  await running?.stop();
  rmSync(dataDir, { recursive: true, force: true });
});

/** A raw HTTP request (any method, any Host), as a client that is not a browser sends it. */
function send(
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  const { port } = running.server;
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, method, path, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        text += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('hostile requests', () => {
  it('answers malformed percent-encoding in a route segment with 400', async () => {
    for (const path of ['/articles/%E0%A4%A', '/exports/%ZZ/status', '/articles/%C0/comments']) {
      const response = await send('GET', path);
      expect(response.status, path).toBe(400);
      expect(response.body).toContain('malformed percent-encoding');
      expect(response.headers['x-content-type-options']).toBe('nosniff');
    }
  });

  it('answers a method the app does not serve with 405, Allow and the security headers', async () => {
    for (const method of ['TRACE', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'PROPFIND']) {
      const response = await send(method, '/articles/1', { origin: running.server.url });
      expect(response.status, method).toBe(405);
      expect(response.headers.allow, method).toBe('GET, HEAD');
      expect(response.headers['x-content-type-options'], method).toBe('nosniff');
      expect(response.headers['x-frame-options'], method).toBe('DENY');
    }
    // Without an Origin too: the method is wrong before the request is a cross-site write.
    expect((await send('DELETE', '/')).status).toBe(405);
    expect((await send('TRACE', '/articles/1/comments')).headers.allow).toBe('GET, HEAD, POST');
    // A TRACE for a host the site does not serve is refused like any other request.
    expect((await send('TRACE', '/', { host: 'evil.example' })).status).toBe(400);
  });

  it('answers a non-form body on /i18n/setlang with 400, not 500', async () => {
    const origin = running.server.url;
    for (const [type, body] of [
      ['application/json', '{"language":"pt-br"}'],
      ['text/plain', 'language=pt-br'],
      ['multipart/form-data; boundary=x', 'not multipart at all'],
    ] as const) {
      const response = await send('POST', '/i18n/setlang', { origin, 'content-type': type }, body);
      expect(response.status, type).toBe(400);
      expect(response.body).toContain('expected the language form');
    }
    const ok = await send(
      'POST',
      '/i18n/setlang',
      { origin, 'content-type': 'application/x-www-form-urlencoded' },
      'language=pt-br&next=/',
    );
    expect(ok.status).toBe(302);
  });

  it('refuses a WebSocket upgrade for a Host outside ALLOWED_HOSTS (DNS rebinding), as HTTP does', async () => {
    const upgrade = (host: string) =>
      new Promise<number>((resolve, reject) => {
        const socket = new WebSocket(`ws://127.0.0.1:${running.server.port}/ws/articles?article=1`, {
          headers: { host },
          origin: `http://${host}`,
        });
        socket.once('open', () => {
          socket.close();
          resolve(101);
        });
        socket.once('unexpected-response', (_request, response) => resolve(response.statusCode ?? 0));
        socket.once('error', reject);
      });
    expect((await send('GET', '/', { host: 'evil.example' })).status).toBe(400);
    expect(await upgrade('evil.example')).toBe(400);
    expect(await upgrade(`evil.example:${running.server.port}`)).toBe(400);
    expect(await upgrade(`localhost:${running.server.port}`)).toBe(101);
  });
});
