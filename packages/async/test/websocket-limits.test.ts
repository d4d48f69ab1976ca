import { describe, expect, it } from 'vitest';
import { consumer, memoryLayer, WEBSOCKET_DEFAULTS } from '../src/index.js';
import { hostAllowed, hostDomain } from '../src/websocket/hosts.js';
import { rawRequest, refusedStatus, until, webSocketSuite } from './helpers.js';

const suite = webSocketSuite();
const http = () => new Response('http');
const wsUrl = suite.url;
const client = suite.client;

/** Sends a raw upgrade request and returns the server's whole answer (it closes the socket on a refusal). */
async function rawUpgrade(port: number, host: string | undefined): Promise<string> {
  const answer = await rawRequest(
    port,
    `GET /ws HTTP/1.1\r\n${host === undefined ? '' : `Host: ${host}\r\n`}Upgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  return `${answer.head}\r\n\r\n${answer.body}`;
}

describe('maxGroupsPerConnection', () => {
  it('closes a connection that joins one group too many with 1008, and it leaves its groups', async () => {
    const layer = suite.layer(memoryLayer());
    await suite.serve(http, {
      port: 0,
      websocket: {
        '/ws': consumer({
          layer,
          receive: async (ctx, message) => {
            if (message.type !== 'text') return;
            await ctx.groupAdd(message.text);
            ctx.send(`in ${ctx.groups.size}`);
          },
        }),
      },
    });
    const c = await client('/ws');
    const limit = WEBSOCKET_DEFAULTS.maxGroupsPerConnection;
    expect(limit).toBe(100);
    for (let n = 0; n < limit; n += 1) c.ws.send(`g${n}`);
    for (let n = 1; n <= limit; n += 1) expect(await c.next()).toBe(`in ${n}`);
    c.ws.send('g0'); // already a member: not one more
    expect(await c.next()).toBe(`in ${limit}`);
    c.ws.send('one-too-many');
    expect(await c.closed).toEqual({ code: 1008, reason: 'Too many groups' });
    await until(async () => (await layer.groupMembers('g0')).length === 0);
    expect(await layer.groupMembers('one-too-many')).toEqual([]);
  });

  it('throws ERR_LIMIT that a consumer may catch, keeping the connection', async () => {
    await suite.serve(http, {
      port: 0,
      websocket: {
        '/ws': consumer({
          maxGroupsPerConnection: 2,
          receive: async (ctx, message) => {
            if (message.type !== 'text') return;
            try {
              await ctx.groupAdd(message.text);
              ctx.send('ok');
            } catch (error) {
              ctx.send((error as { code: string }).code);
            }
          },
        }),
      },
    });
    const c = await client('/ws');
    for (const group of ['a', 'b', 'c']) c.ws.send(group);
    expect([await c.next(), await c.next(), await c.next()]).toEqual(['ok', 'ok', 'ERR_LIMIT']);
    c.ws.send('a');
    expect(await c.next()).toBe('ok');
  });

  it('validates the option', () => {
    expect(() => consumer({ maxGroupsPerConnection: 0 })).toThrow(
      'Expected `maxGroupsPerConnection` to be an integer from 1 and up (or Infinity), got `0` (number)',
    );
    expect(() => consumer({ maxGroupsPerConnection: Number.POSITIVE_INFINITY })).not.toThrow();
  });
});

describe('allowedHosts on WebSocket upgrades (DNS rebinding)', () => {
  it("refuses a Host outside the list with 400 before the handshake and before authenticate; Django's matching rules", async () => {
    let authenticated = 0;
    const server = await suite.serve(http, {
      port: 0,
      websocket: {
        '/ws': consumer({
          allowedHosts: ['example.com', '.example.org', '127.0.0.1'],
          authenticate: () => {
            authenticated += 1;
            return { ok: true };
          },
          connect: (ctx) => ctx.send('welcome'),
        }),
      },
    });
    const host = (value: string) => ({ headers: { host: value } });
    expect(await refusedStatus(wsUrl('/ws'), host('evil.example'))).toBe(400);
    expect(await refusedStatus(wsUrl('/ws'), host('notexample.com'))).toBe(400);
    expect(await refusedStatus(wsUrl('/ws'), host('example.com.evil.example'))).toBe(400);
    expect(authenticated).toBe(0);
    for (const allowed of [
      'example.com',
      'EXAMPLE.com:8443',
      'example.org',
      'a.b.example.org',
      `127.0.0.1:${server.port}`,
    ]) {
      const c = await client('/ws', host(allowed));
      expect(await c.next()).toBe('welcome');
    }
    expect(authenticated).toBe(5);

    const refused = await rawUpgrade(server.port, 'evil.example');
    expect(refused).toMatch(/^HTTP\/1\.1 400 Bad Request\r\n/);
    expect(refused).not.toContain('Sec-WebSocket-Accept');
    expect(refused.endsWith('Invalid Host header')).toBe(true);
    expect(await rawUpgrade(server.port, undefined)).toMatch(/^HTTP\/1\.1 400 /);
  });

  it("accepts any Host with '*' and without the option", async () => {
    await suite.serve(http, {
      port: 0,
      websocket: {
        '/any': consumer({ allowedHosts: ['*'], connect: (ctx) => ctx.send('hi') }),
        '/unchecked': consumer({ connect: (ctx) => ctx.send('hi') }),
      },
    });
    for (const path of ['/any', '/unchecked']) {
      const c = await client(path, { headers: { host: 'evil.example' } });
      expect(await c.next()).toBe('hi');
    }
  });

  it('matches hosts as Django does', () => {
    expect(hostDomain('Example.COM:8000')).toBe('example.com');
    expect(hostDomain('example.com.')).toBe('example.com');
    expect(hostDomain('[::1]:8000')).toBe('[::1]');
    expect(hostDomain('[::1]')).toBe('[::1]');
    expect(hostDomain('bad host')).toBe('');
    expect(hostDomain('evil.example/x')).toBe('');
    expect(hostDomain(undefined)).toBe('');
    expect(hostAllowed('[::1]:3000', ['[::1]'])).toBe(true);
    expect(hostAllowed('sub.example.com', ['example.com'])).toBe(false);
    expect(hostAllowed('example.com', [])).toBe(false);
    expect(hostAllowed('', ['*'])).toBe(false);
  });

  it('validates the option', () => {
    expect(() => consumer({ allowedHosts: 'example.com' as never })).toThrow(
      "Expected `allowedHosts` to be an array of host names (`example.com`, `.example.com` or `'*'`), got `example.com` (string)",
    );
    expect(() => consumer({ allowedHosts: [''] })).toThrow(/Expected `allowedHosts`/);
  });
});
