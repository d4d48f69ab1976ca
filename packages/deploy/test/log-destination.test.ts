import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { pino } from 'pino';
import { afterAll, describe, expect, it } from 'vitest';
import { LOG_DESTINATION_DEFAULTS, logDestination } from '../src/entry/logging.js';

const fixture = fileURLToPath(new URL('./fixtures/log-destination-app.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'adv-log-destination-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;

/** Runs the fixture in its own process: resolves with what it reported, how it ended and its log file's lines. */
function run(mode: string, options: { signal?: NodeJS.Signals; env?: Record<string, string> } = {}) {
  const file = join(dir, `${mode}-${++files}`, 'requests.log'); // a missing directory: `mkdir` creates it
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], {
    cwd: fileURLToPath(new URL('..', import.meta.url)),
    env: { ...process.env, LOG_FILE: file, MODE: mode, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => {
    stderr += String(chunk);
  });
  const ready = new Promise<{ size: number }>((resolve, reject) => {
    createInterface({ input: child.stdout }).once('line', (line) => resolve(JSON.parse(line)));
    child.once('exit', () => reject(new Error(`exited before reporting: ${stderr}`)));
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  if (options.signal) void ready.then(() => child.kill(options.signal));
  const lines = () =>
    readFileSync(file, 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Record<string, unknown>);
  return { ready, exit, lines, child, stderr: () => stderr };
}

/** The request lines the fixture writes, in order (about 3.2 kB: less than the default 4 kB buffer). */
const requestUrls = Array.from({ length: 15 }, (_, i) => `/page/${i}`);

describe('logDestination: buffered, and no line lost when the process ends', () => {
  const cases: [
    mode: string,
    signal: NodeJS.Signals | undefined,
    expected: { code: number | null; signal: NodeJS.Signals | null },
  ][] = [
    ['exit', undefined, { code: 3, signal: null }],
    ['throw', undefined, { code: 1, signal: null }],
    ['reject', undefined, { code: 1, signal: null }],
    ['dry', undefined, { code: 0, signal: null }],
    // No handler of the app's own: the process still dies of the signal, as it would without us.
    ['idle', 'SIGTERM', { code: null, signal: 'SIGTERM' }],
    ['idle', 'SIGINT', { code: null, signal: 'SIGINT' }],
    ['idle', 'SIGHUP', { code: null, signal: 'SIGHUP' }],
  ];
  for (const [mode, signal, expected] of cases) {
    it(`${mode}${signal ? ` + ${signal}` : ''}: every line buffered before the end is in the file`, async () => {
      const child = run(mode, signal ? { signal } : {});
      expect((await child.ready).size).toBe(0); // still in the buffer when the process began to end
      expect(await child.exit).toEqual(expected);
      expect(child.lines().map((l) => (l.req as { url: string }).url)).toEqual(requestUrls);
    });
  }

  it("an app's own SIGTERM handler keeps control, and its last line is written too", async () => {
    const child = run('handler', { signal: 'SIGTERM' });
    expect((await child.ready).size).toBe(0);
    expect(await child.exit).toEqual({ code: 0, signal: null });
    const lines = child.lines();
    expect(lines.slice(0, 15).map((l) => (l.req as { url: string }).url)).toEqual(requestUrls);
    expect(lines.slice(15).map((l) => l.msg)).toEqual(['shutting down']);
  });

  it('a quiet process writes its lines within flushIntervalMs, without exiting', async () => {
    const child = run('idle', { env: { FLUSH_MS: '50' } });
    try {
      await child.ready;
      // Waits for the timer's write (the test's own timeout bounds it), then stops the process.
      while (readFileSync(join(dir, `idle-${files}`, 'requests.log'), 'utf8').split('\n').length <= 15) {
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      expect(child.lines()).toHaveLength(15);
      expect(child.child.exitCode).toBeNull(); // written while it was still running
    } finally {
      child.child.kill('SIGKILL');
      await child.exit;
    }
  });
});

describe('logDestination in process', () => {
  it('gathers lines into one write of bufferBytes, and flush() writes the rest', async () => {
    const file = join(dir, 'in-process.log');
    const stream = logDestination({ dest: file, bufferBytes: 1024 });
    const logger = pino({ base: null, timestamp: false }, stream);
    const size = () => {
      try {
        return readFileSync(file, 'utf8').length;
      } catch {
        return 0;
      }
    };
    logger.info({ n: 1 }, 'first');
    expect(size()).toBe(0);
    for (let i = 0; i < 40; i++) logger.info({ n: i }, 'line of about forty bytes');
    expect(size()).toBeGreaterThanOrEqual(1024); // a full buffer is written before `write` returns
    const written = size();
    logger.info('last');
    expect(size()).toBe(written);
    logger.flush();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(42);
    await stream.end();
    expect(process.listenerCount('SIGTERM')).toBe(0); // the last open destination took its listeners with it
  });

  it('writes lines with characters outside ASCII byte for byte, whichever batch they fall in', async () => {
    const file = join(dir, 'utf8.log');
    const stream = logDestination({ dest: file, bufferBytes: 100 });
    const logger = pino({ base: null, timestamp: false }, stream);
    const words = ['café', 'naïve', '日本語のページ', 'emoji 🚀 rocket', 'Ωmega', 'plain'];
    const expected: string[] = [];
    for (let i = 0; i < 60; i++) {
      const word = `${words[i % words.length]} ${i}`;
      expected.push(word);
      logger.info({ word }, 'ünïcödé');
    }
    await stream.end();
    const lines = readFileSync(file, 'utf8')
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as { word: string; msg: string });
    expect(lines.map((l) => l.word)).toEqual(expected);
    expect(new Set(lines.map((l) => l.msg))).toEqual(new Set(['ünïcödé']));
  });

  it('bufferBytes 0 writes every line at once (and adds no exit or signal listener)', () => {
    const file = join(dir, 'unbuffered.log');
    const before = process.listenerCount('exit');
    const logger = pino({ base: null }, logDestination({ dest: file, bufferBytes: 0 }));
    logger.info('now');
    expect(readFileSync(file, 'utf8')).toContain('"msg":"now"');
    expect(process.listenerCount('exit')).toBe(before);
  });

  it('has documented defaults and rejects bad options', () => {
    expect(LOG_DESTINATION_DEFAULTS).toEqual({ dest: 1, bufferBytes: 16384, flushIntervalMs: 1000, mkdir: true });
    expect(() => logDestination({ dest: '' })).toThrow(/Expected `dest` to be a file path or a file descriptor/);
    expect(() => logDestination({ dest: -1 })).toThrow(/Expected `dest`/);
    expect(() => logDestination({ bufferBytes: 1.5 })).toThrow(/Expected `bufferBytes` to be an integer from 0/);
    expect(() => logDestination({ flushIntervalMs: 0 })).toThrow(/Expected `flushIntervalMs` to be a positive integer/);
    expect(() => logDestination({ mkdir: 'yes' as never })).toThrow(/Expected `mkdir` to be a boolean/);
    expect(() => logDestination({ bufferSize: 1 } as never)).toThrow(
      /Unknown option `bufferSize` of `logDestination\(\)`. Valid options: `dest`, `bufferBytes`/,
    );
  });
});
