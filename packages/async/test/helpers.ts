import { once } from 'node:events';
import { WebSocket } from 'ws';

/** A test WebSocket client that queues what it receives. */
export interface TestClient {
  ws: WebSocket;
  /** Next text message (waits). */
  next(): Promise<string>;
  /** Resolves with the close code and reason. */
  closed: Promise<{ code: number; reason: string }>;
  close(): Promise<void>;
}

export async function connect(
  url: string,
  options: { headers?: Record<string, string>; origin?: string } = {},
): Promise<TestClient> {
  const ws = new WebSocket(url, { headers: options.headers, origin: options.origin });
  const queue: string[] = [];
  const waiters: ((text: string) => void)[] = [];
  ws.on('message', (data) => {
    const text = data.toString();
    const waiter = waiters.shift();
    if (waiter) waiter(text);
    else queue.push(text);
  });
  const closed = new Promise<{ code: number; reason: string }>((resolve) => {
    ws.once('close', (code, reason) => resolve({ code, reason: reason.toString() }));
  });
  ws.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    ws.once('open', () => resolve());
    ws.once('unexpected-response', (_req, res) =>
      reject(Object.assign(new Error(`status ${res.statusCode}`), { status: res.statusCode })),
    );
    ws.once('error', reject);
  });
  return {
    ws,
    next: () => {
      const queued = queue.shift();
      if (queued !== undefined) return Promise.resolve(queued);
      return new Promise((resolve) => waiters.push(resolve));
    },
    closed,
    async close() {
      if (ws.readyState === ws.CLOSED) return;
      ws.close();
      await once(ws, 'close');
    },
  };
}

/** Tries to connect and returns the HTTP status of the refused upgrade. */
export async function refusedStatus(
  url: string,
  options: { headers?: Record<string, string>; origin?: string } = {},
): Promise<number> {
  try {
    const client = await connect(url, options);
    await client.close();
    return 101;
  } catch (error) {
    return (error as { status?: number }).status ?? -1;
  }
}

/** Resolves after `ms`. */
export const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` until it is true (no timing assertions: only a generous ceiling). */
export async function until(check: () => boolean | Promise<boolean>, timeout = 10_000): Promise<void> {
  const deadline = Date.now() + timeout;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await sleep(10);
  }
}
