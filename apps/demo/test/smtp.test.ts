import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { SMTPServer } from 'smtp-server';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, postForm, testDemo } from './helpers.js';

/** A real SMTP server on loopback that keeps what it receives. */
const received: { to: string[]; data: string }[] = [];
const smtp = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    const chunks: Buffer[] = [];
    stream.on('data', (chunk: Buffer) => chunks.push(chunk));
    stream.on('end', () => {
      received.push({
        to: session.envelope.rcptTo.map((r) => r.address),
        data: Buffer.concat(chunks).toString('utf8'),
      });
      callback();
    });
  },
});

let demo: Awaited<ReturnType<typeof testDemo>>;
beforeAll(async () => {
  smtp.listen(0, '127.0.0.1');
  await once(smtp.server, 'listening');
  const { port } = smtp.server.address() as AddressInfo;
  demo = await testDemo({}, { EMAIL_URL: `smtp://127.0.0.1:${port}`, EMAIL_FROM: 'board@example.com' });
});
afterAll(async () => {
  await demo.cleanup();
  await new Promise<void>((resolve) => smtp.close(() => resolve()));
});

describe('e-mail over SMTP (EMAIL_URL)', () => {
  it('sends the comment notification to the article author through the SMTP server', async () => {
    const response = await demo.handler(postForm(`${BASE}/articles/1/comments`, { author: 'Mia', body: 'By mail' }));
    expect(response.status).toBe(303);
    await expect.poll(() => received.length, { timeout: 15_000 }).toBe(1);
    expect(received[0]!.to).toEqual(['ada@example.com']);
    expect(received[0]!.data).toContain('From: board@example.com');
    expect(received[0]!.data).toContain('Mia commented on your article');
  });
});
