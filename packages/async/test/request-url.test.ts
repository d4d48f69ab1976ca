import { IncomingMessage } from 'node:http';
import { connect as netConnect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { toRequest } from '../src/bridge/index.js';
import { type Server, serve } from '../src/index.js';

let server: Server | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** Sends one raw HTTP/1.1 request and resolves with the response body (the server echoes request.url). */
function urlFor(port: number, host: string, path: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = netConnect(port, '127.0.0.1', () =>
      socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`),
    );
    let received = '';
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => {
      received += chunk;
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(received.slice(received.indexOf('\r\n\r\n') + 4)));
  });
}

describe('request.url from the Host header', () => {
  it('is what new Request(url).url gives, and localhost for a Host that does not parse', async () => {
    server = await serve((request) => new Response(request.url), { port: 0 });
    const cases: [host: string, path: string, expected: string][] = [
      ['example.com:8080', '/p?q=1', 'http://example.com:8080/p?q=1'],
      ['EXAMPLE.com:80', '/p', 'http://example.com/p'], // lower case, default port dropped
      ['0x7f.1:81', '/', 'http://127.0.0.1:81/'],
      ['example.com:99999', '/p?q=1', 'http://localhost/p?q=1'], // port out of range
      ['1.2.3.999', '/p', 'http://localhost/p'], // not an IPv4 address
      ['exa mple.com', '/p', 'http://localhost/p'],
      ['[::1]:81', '/p', 'http://[::1]:81/p'],
      ['example.com', '/a%20b/../c', 'http://example.com/c'],
      ['example.com', '/a/%2e%2E/b/./c', 'http://example.com/b/c'],
      ['example.com', "/it's?q='x'", "http://example.com/it's?q=%27x%27"],
      ['example.com', '/{x}|y', 'http://example.com/%7Bx%7D|y'],
      ['example.com', '*', 'http://example.com/*'],
    ];
    for (let round = 0; round < 2; round += 1) {
      // The second round answers from the per-host cache; nothing may change.
      for (const [host, path, expected] of cases) {
        const url = await urlFor(server.port, host, path);
        expect(url, `${host} ${path}`).toBe(expected);
        expect(new Request(url).url).toBe(url); // already in the form undici serialises
      }
    }
  });
});

describe('request.url by scheme', () => {
  it('keeps the origins of http and https apart for the same Host (each scheme its own default port)', () => {
    // A real IncomingMessage; its socket only says whether the connection is TLS.
    const urlOf = (encrypted: boolean, host: string) => {
      const socket = { encrypted, localAddress: '127.0.0.1', localPort: 8000 } as unknown as Socket;
      const req = new IncomingMessage(socket);
      req.method = 'GET';
      req.url = '/p?q=1';
      req.headers = { host };
      return toRequest(req).url;
    };
    for (let round = 0; round < 2; round += 1) {
      // The second round reads the per-scheme caches.
      expect(urlOf(false, 'example.com:443')).toBe('http://example.com:443/p?q=1');
      expect(urlOf(true, 'example.com:443')).toBe('https://example.com/p?q=1');
      expect(urlOf(false, 'example.com:80')).toBe('http://example.com/p?q=1');
      expect(urlOf(true, 'example.com:80')).toBe('https://example.com:80/p?q=1');
      expect(urlOf(true, 'exa mple.com')).toBe('https://localhost/p?q=1');
      // The same Host twice in a row on each scheme (the last-Host shortcut), then the other scheme.
      expect(urlOf(true, 'example.com:443')).toBe('https://example.com/p?q=1');
      expect(urlOf(true, 'example.com:443')).toBe('https://example.com/p?q=1');
      expect(urlOf(false, 'example.com:443')).toBe('http://example.com:443/p?q=1');
      expect(urlOf(false, 'example.com:443')).toBe('http://example.com:443/p?q=1');
      expect(urlOf(false, 'exa mple.com')).toBe('http://localhost/p?q=1');
    }
  });
});

describe('request.url from the last-URL shortcut', () => {
  it('answers the same origin and path as the last request from it, and nothing else', () => {
    const urlOf = (encrypted: boolean, host: string, path: string) => {
      const socket = { encrypted, localAddress: '127.0.0.1', localPort: 8000 } as unknown as Socket;
      const req = new IncomingMessage(socket);
      req.method = 'GET';
      req.url = path;
      req.headers = { host };
      return toRequest(req).url;
    };
    const cases: [encrypted: boolean, host: string, path: string, expected: string][] = [
      [false, 'example.com', '/hot', 'http://example.com/hot'],
      [false, 'example.com', '/hot', 'http://example.com/hot'],
      // Another path, then another host, then the other scheme, each after the same path.
      [false, 'example.com', '/cold', 'http://example.com/cold'],
      [false, 'other.example', '/cold', 'http://other.example/cold'],
      [true, 'other.example', '/cold', 'https://other.example/cold'],
      // A Host that does not parse: localhost on each scheme, after the same path on the other.
      [true, 'example.com:99999', '/cold', 'https://localhost/cold'],
      [false, 'example.com:99999', '/cold', 'http://localhost/cold'],
      [false, 'example.com:99999', '/cold', 'http://localhost/cold'],
      // A path a URL rewrites is never remembered, so the next one is parsed again.
      [false, 'example.com', '/a/../hot', 'http://example.com/hot'],
      [false, 'example.com', '/a/../hot', 'http://example.com/hot'],
      [false, 'example.com', '/hot', 'http://example.com/hot'],
      [false, 'example.com', '/a/../hot', 'http://example.com/hot'],
    ];
    for (const [encrypted, host, path, expected] of cases) {
      expect(urlOf(encrypted, host, path), `${encrypted} ${host} ${path}`).toBe(expected);
    }
  });
});
