/**
 * Opening-handshake conformance of the WebSocket server, RFC 6455 section 4 (4.1 client
 * requirements, 4.2.1 reading the handshake, 4.2.2 the server's answer, 4.4 versions), over raw
 * TCP so that nothing a client library would fix up gets in the way. The accept-key example is
 * the RFC's own (section 1.3 and 4.2.2: `dGhlIHNhbXBsZSBub25jZQ==` ->
 * `s3pPLMBiTxaQ9kYGzzhZRbK+xOo=`).
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { consumer, type Server, serve } from '../src/index.js';
import { connect, type RawAnswer, rawRequest } from './helpers.js';

const RFC_KEY = 'dGhlIHNhbXBsZSBub25jZQ==';
const RFC_ACCEPT = 's3pPLMBiTxaQ9kYGzzhZRbK+xOo=';
const GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';

let server: Server;
/** Upgrade requests that reached `authenticate` (only valid handshakes may). */
let authenticated: number;
/** The subprotocol each connection saw in `ctx.protocol`. */
let seen: string[];

beforeEach(async () => {
  authenticated = 0;
  seen = [];
  server = await serve(() => new Response('plain http'), {
    port: 0,
    websocket: {
      '/ws': consumer({
        authenticate: () => {
          authenticated += 1;
          return undefined;
        },
        connect: (ctx) => {
          seen.push(ctx.protocol);
        },
      }),
      '/chat': consumer({ protocols: ['chat.v2', 'chat.v1'], connect: (ctx) => void seen.push(ctx.protocol) }),
      '/strict': consumer({ allowedOrigins: ['https://app.example'] }),
    },
  });
});
afterEach(async () => {
  await server.close();
});

/** The header lines of a valid handshake; `override` replaces (string) or removes (null) one. */
function handshake(
  path: string,
  override: Record<string, string | null> = {},
  requestLine = `GET ${path} HTTP/1.1`,
): string {
  const fields: Record<string, string | null> = {
    Host: `127.0.0.1:${server.port}`,
    Upgrade: 'websocket',
    Connection: 'Upgrade',
    'Sec-WebSocket-Key': RFC_KEY,
    'Sec-WebSocket-Version': '13',
    ...override,
  };
  const lines = Object.entries(fields)
    .filter((entry): entry is [string, string] => entry[1] !== null)
    .map(([name, value]) => `${name}: ${value}\r\n`);
  return `${requestLine}\r\n${lines.join('')}\r\n`;
}

const send = (request: string): Promise<RawAnswer> => rawRequest(server.port, request);
const header = (answer: RawAnswer, name: string) => answer.headers.get(name)?.join(', ');

describe('RFC 6455 4.2.2: the server answer to a valid handshake', () => {
  it("answers 101 with the RFC's own accept key for its example nonce", async () => {
    const answer = await send(handshake('/ws'));
    expect(answer.head).toMatch(/^HTTP\/1\.1 101 /);
    expect(header(answer, 'upgrade')?.toLowerCase()).toBe('websocket');
    expect(header(answer, 'connection')?.toLowerCase()).toBe('upgrade');
    expect(header(answer, 'sec-websocket-accept')).toBe(RFC_ACCEPT);
    expect(answer.headers.has('sec-websocket-protocol')).toBe(false);
    expect(authenticated).toBe(1);
  });

  it('computes the accept key as base64(SHA-1(key + GUID)) for any nonce', async () => {
    for (let round = 0; round < 5; round += 1) {
      const key = randomBytes(16).toString('base64');
      const answer = await send(handshake('/ws', { 'Sec-WebSocket-Key': key }));
      expect(answer.status).toBe(101);
      expect(header(answer, 'sec-websocket-accept')).toBe(createHash('sha1').update(`${key}${GUID}`).digest('base64'));
    }
  });

  it('takes Upgrade and Connection case-insensitively, Connection as a token list', async () => {
    for (const override of [
      { Upgrade: 'WebSocket' },
      { Upgrade: 'WEBSOCKET' },
      { Connection: 'keep-alive, Upgrade' },
      { Connection: 'upgrade' },
    ]) {
      expect((await send(handshake('/ws', override))).status, JSON.stringify(override)).toBe(101);
    }
  });
});

describe('RFC 6455 4.2.1: refused handshakes, before authenticate runs', () => {
  const cases: [string, Record<string, string | null>, number][] = [
    ['Upgrade not websocket', { Upgrade: 'h2c' }, 400],
    ['Upgrade with another protocol too', { Upgrade: 'websocket, h2c' }, 400],
    ['no Sec-WebSocket-Key', { 'Sec-WebSocket-Key': null }, 400],
    ['a key that is not base64', { 'Sec-WebSocket-Key': 'not a base64 nonce!!!!!==' }, 400],
    ['a key of 15 bytes', { 'Sec-WebSocket-Key': randomBytes(15).toString('base64') }, 400],
    ['a key of 17 bytes', { 'Sec-WebSocket-Key': randomBytes(17).toString('base64') }, 400],
    ['a key that is the bare nonce, not base64', { 'Sec-WebSocket-Key': 'the sample nonce' }, 400],
    ['a subprotocol list with a non-token', { 'Sec-WebSocket-Protocol': 'chat v1' }, 400],
    ['a subprotocol offered twice', { 'Sec-WebSocket-Protocol': 'chat.v1, chat.v1' }, 400],
  ];
  for (const [name, override, status] of cases) {
    it(`answers ${status} to ${name}`, async () => {
      const answer = await send(handshake('/ws', override));
      expect(answer.status).toBe(status);
      expect(header(answer, 'connection')?.toLowerCase()).toBe('close');
      expect(answer.headers.has('sec-websocket-accept')).toBe(false);
      expect(authenticated).toBe(0);
    });
  }

  it('answers 405 with Allow: GET to another method', async () => {
    const answer = await send(handshake('/ws', {}, 'POST /ws HTTP/1.1'));
    expect([answer.status, header(answer, 'allow')]).toEqual([405, 'GET']);
    expect(authenticated).toBe(0);
  });

  it('answers 400 to an HTTP/1.0 request and to one without Host', async () => {
    expect((await send(handshake('/ws', {}, 'GET /ws HTTP/1.0'))).status).toBe(400);
    expect((await send(handshake('/ws', { Host: null }))).status).toBe(400);
    expect(authenticated).toBe(0);
  });

  it('treats a request without Upgrade or without Connection: Upgrade as plain HTTP (no 101)', async () => {
    for (const override of [{ Upgrade: null }, { Connection: null }, { Connection: 'keep-alive' }]) {
      const answer = await send(handshake('/ws', override));
      expect([answer.status, answer.body], JSON.stringify(override)).toEqual([200, 'plain http']);
    }
    expect(authenticated).toBe(0);
  });
});

describe('RFC 6455 4.4: versions', () => {
  for (const version of ['8', '7', '12', '14', '13, 8', '', null]) {
    it(`answers 426 with Sec-WebSocket-Version: 13 to version ${JSON.stringify(version)}`, async () => {
      const answer = await send(handshake('/ws', { 'Sec-WebSocket-Version': version }));
      expect(answer.status).toBe(426);
      expect(answer.headers.get('sec-websocket-version')).toEqual(['13']);
      expect(answer.headers.has('sec-websocket-accept')).toBe(false);
      expect(authenticated).toBe(0);
    });
  }
});

describe('RFC 6455 4.2.2: subprotocol selection', () => {
  it('selects none on a route without protocols, whatever the client offers', async () => {
    const answer = await send(handshake('/ws', { 'Sec-WebSocket-Protocol': 'chat.v1, chat.v2' }));
    expect(answer.status).toBe(101);
    expect(answer.headers.has('sec-websocket-protocol')).toBe(false);
  });

  it("selects the route's first preference among those offered, never one not offered", async () => {
    const offers: [string | null, string | undefined][] = [
      ['chat.v1, chat.v2', 'chat.v2'],
      ['chat.v1', 'chat.v1'],
      ['other, chat.v1', 'chat.v1'],
      ['other', undefined],
      [null, undefined],
    ];
    for (const [offered, selected] of offers) {
      const answer = await send(handshake('/chat', { 'Sec-WebSocket-Protocol': offered }));
      expect(answer.status).toBe(101);
      expect(header(answer, 'sec-websocket-protocol'), String(offered)).toBe(selected);
    }
  });

  it('reads offers split over several header lines', async () => {
    const request = handshake('/chat').replace(
      '\r\n\r\n',
      '\r\nSec-WebSocket-Protocol: other\r\nSec-WebSocket-Protocol: chat.v1\r\n\r\n',
    );
    expect(header(await send(request), 'sec-websocket-protocol')).toBe('chat.v1');
  });

  it('gives the selected subprotocol to the consumer and to a real client', async () => {
    const url = `${server.url.replace('http', 'ws')}/chat`;
    const client = await connect(url, { protocols: ['chat.v1', 'chat.v2'] });
    expect(client.ws.protocol).toBe('chat.v2');
    await client.close();
    const plain = await connect(url);
    expect(plain.ws.protocol).toBe('');
    await plain.close();
    expect(seen).toEqual(['chat.v2', '']);
  });
});

describe('RFC 6455 4.2.2 / 10.2: Origin', () => {
  it('answers 403 to an Origin that is not allowed, 101 to one that is and to none', async () => {
    const refused = await send(handshake('/strict', { Origin: 'https://evil.example' }));
    expect(refused.status).toBe(403);
    expect((await send(handshake('/strict', { Origin: 'https://app.example' }))).status).toBe(101);
    expect((await send(handshake('/strict'))).status).toBe(101);
  });

  it('by default allows only an Origin on the request Host', async () => {
    expect((await send(handshake('/ws', { Origin: `http://127.0.0.1:${server.port}` }))).status).toBe(101);
    expect((await send(handshake('/ws', { Origin: 'http://127.0.0.1:1' }))).status).toBe(403);
  });
});

describe('consumer({ protocols })', () => {
  it('takes distinct RFC 7230 tokens only', () => {
    expect(() => consumer({ protocols: ['chat', 'chat.v2'] })).not.toThrow();
    expect(() => consumer({ protocols: 'chat' as never })).toThrow(/Expected `protocols` to be an array of distinct/);
    expect(() => consumer({ protocols: ['chat v1'] })).toThrow(/Expected `protocols`/);
    expect(() => consumer({ protocols: [''] })).toThrow(/Expected `protocols`/);
    expect(() => consumer({ protocols: ['a', 'a'] })).toThrow(/Expected `protocols`/);
    expect(() => consumer({ protocol: ['a'] } as never)).toThrow(/did you mean `protocols`/);
  });
});
