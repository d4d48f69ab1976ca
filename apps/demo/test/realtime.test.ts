import { type Server, serve } from '@adv/async';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { testDemo } from './helpers.js';

let demo: Awaited<ReturnType<typeof testDemo>>;
let server: Server;
// The export runs as a task (on PostgreSQL in demo-postgres) and its status crosses a WebSocket:
// vitest's default poll bound (1 s) is tight on a busy CI machine. A bound against a hang only.
const WAIT = { timeout: 20_000 };

beforeAll(async () => {
  demo = await testDemo({ exportChunkDelayMs: 0 });
  server = await serve(demo.handler, { port: 0, host: '127.0.0.1', websocket: demo.websocket });
});
afterAll(async () => {
  await server.close();
  await demo.cleanup();
});

/** Opens a socket; resolves with it, or with the HTTP status the upgrade was refused with. */
function open(
  path: string,
  origin = server.url,
): Promise<{ socket?: WebSocket; status?: number; messages: unknown[] }> {
  const socket = new WebSocket(`${server.url.replace('http', 'ws')}${path}`, { origin });
  const messages: unknown[] = [];
  socket.on('message', (data) => messages.push(JSON.parse(String(data))));
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, messages }));
    socket.once('unexpected-response', (_request, response) => resolve({ status: response.statusCode, messages }));
    socket.once('error', reject);
  });
}

describe('the article WebSocket consumer', () => {
  it('refuses unknown articles and other sites', async () => {
    expect((await open('/ws/articles?article=999')).status).toBe(404);
    expect((await open('/ws/articles?article=abc')).status).toBe(404);
    expect((await open('/ws/articles?article=1', 'http://evil.example')).status).toBe(403);
  });

  it('replays the status of an export that finished before the page asked', async () => {
    const started = await demo.handler(
      new Request('http://localhost/articles/1/export', { method: 'POST', headers: { origin: 'http://localhost' } }),
    );
    const { exportId } = (await started.json()) as { exportId: string };
    await expect
      .poll(
        async () =>
          (
            (await (await demo.handler(new Request(`http://localhost/exports/${exportId}/status`))).json()) as {
              state: string;
            }
          ).state,
        WAIT,
      )
      .toBe('done');
    const { socket, messages } = await open('/ws/articles?article=1');
    try {
      socket!.send(JSON.stringify({ type: 'watch-export', exportId }));
      await expect
        .poll(() => messages, WAIT)
        .toContainEqual(expect.objectContaining({ type: 'export', exportId, state: 'done', percent: 100 }));
      // A malformed request is ignored, the connection stays open.
      socket!.send(JSON.stringify({ type: 'watch-export', exportId: '../../etc/passwd' }));
      socket!.send(JSON.stringify({ type: 'ping' }));
      socket!.send(JSON.stringify({ type: 'watch-export', exportId }));
      await expect.poll(() => messages.filter((m) => (m as { state?: string }).state === 'done').length, WAIT).toBe(2);
      expect(socket!.readyState).toBe(WebSocket.OPEN);
    } finally {
      socket!.close();
    }
  });
});
