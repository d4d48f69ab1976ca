import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BASE, postForm, testDemo } from './helpers.js';
import { startSmtp, type TestSmtp } from './smtp-server.js';

let demo: Awaited<ReturnType<typeof testDemo>>;
let smtp: TestSmtp;
beforeAll(async () => {
  smtp = await startSmtp();
  demo = await testDemo({}, { EMAIL_URL: smtp.url, EMAIL_FROM: 'board@example.com' });
});
afterAll(async () => {
  await demo.cleanup();
  await smtp.close();
});

describe('e-mail over SMTP (EMAIL_URL)', () => {
  it('sends the comment notification to the article author through the SMTP server', async () => {
    const response = await demo.handler(postForm(`${BASE}/articles/1/comments`, { author: 'Mia', body: 'By mail' }));
    expect(response.status).toBe(303);
    await expect.poll(() => smtp.received.length, { timeout: 15_000 }).toBe(1);
    expect(smtp.received[0]!.to).toEqual(['ada@example.com']);
    expect(smtp.received[0]!.data).toContain('From: board@example.com');
    expect(smtp.received[0]!.data).toContain('Mia commented on your article');
  });
});
