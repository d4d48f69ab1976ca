import type { OptionKeys } from '@adv/types';
import type * as Pino from 'pino';
import { invalidOption } from './errors.js';
import { PINO_PEER } from './logging.js';
import { deployOptions } from './options.js';
import { loadPeer } from './peer.js';

/** Options of {@link logDestination}. */
export interface LogDestinationOptions {
  /**
   * Where the lines go: a file path (appended to) or a file descriptor.
   * @defaultValue `1` (stdout)
   */
  dest?: string | number | undefined;
  /**
   * Characters gathered before one write. `0` writes every line at once (pino's default, one
   * system call per line). A `SIGKILL` loses at most this much (16 KB: about 75 request lines).
   * @defaultValue `16384` (sonic-boom's own largest write)
   */
  bufferBytes?: number | undefined;
  /**
   * Longest time, in milliseconds, a line waits in the buffer on a quiet server.
   * @defaultValue `1000`
   */
  flushIntervalMs?: number | undefined;
  /**
   * Create the file's directory when it is missing.
   * @defaultValue `true`
   */
  mkdir?: boolean | undefined;
}

/** Defaults of {@link LogDestinationOptions}. */
export const LOG_DESTINATION_DEFAULTS = {
  dest: 1,
  bufferBytes: 16384,
  flushIntervalMs: 1000,
  mkdir: true,
} as const;

const LOG_DESTINATION_KEYS: OptionKeys<LogDestinationOptions> = {
  dest: true,
  bufferBytes: true,
  flushIntervalMs: true,
  mkdir: true,
};

/** The part of pino's `SonicBoom` stream this file uses (opened with `contentMode: 'buffer'`). */
interface SonicBoom {
  write(data: Buffer): boolean;
  flush(callback?: (error?: Error) => void): void;
  flushSync(): void;
  end(): void;
  on(event: 'close', listener: () => void): unknown;
}

/** What {@link logDestination} returns: a pino destination stream that can be flushed and ended. */
export interface LogDestination {
  /** Takes one line from pino (written out once `bufferBytes` are gathered). */
  write(line: string): void;
  /** Writes what the buffer holds; `callback` runs once it is on its way to the file. */
  flush(callback?: (error?: Error) => void): void;
  /** Writes what the buffer holds before returning. */
  flushSync(): void;
  /** Writes what the buffer holds and closes the destination; resolves once it is closed. */
  end(): Promise<void>;
}

/**
 * Lines gathered in an array and handed to sonic-boom as one buffer (one `write` system call)
 * once `bufferBytes` characters are in: sonic-boom's own `minLength` does the same job but
 * measures the byte length of its whole pending buffer again on every line. A buffer, not a
 * string: after a string's write, sonic-boom encodes the whole string once more (to find where
 * a partial write stopped), and that second encoding cost as much as the write's own.
 */
class BufferedDestination implements LogDestination {
  readonly #lines: string[] = [];
  #length = 0;
  constructor(
    readonly stream: SonicBoom,
    readonly bufferBytes: number,
  ) {}

  write(line: string): void {
    this.#lines.push(line);
    this.#length += line.length;
    if (this.#length >= this.bufferBytes) this.#writeOut();
  }

  #writeOut(): void {
    if (this.#lines.length === 0) return;
    const chunk = this.#lines.length === 1 ? (this.#lines[0] as string) : this.#lines.join('');
    this.#lines.length = 0;
    this.#length = 0;
    this.stream.write(Buffer.from(chunk)); // a new buffer each time: sonic-boom may keep it until written
  }

  flush(callback?: (error?: Error) => void): void {
    this.#writeOut();
    this.stream.flush(callback);
  }

  flushSync(): void {
    this.#writeOut();
    this.stream.flushSync();
  }

  end(): Promise<void> {
    this.#writeOut();
    const closed = new Promise<void>((resolve) => this.stream.on('close', () => resolve()));
    this.stream.end();
    return closed;
  }
}

/** Open buffered destinations, flushed when the process exits or is told to stop. */
const open = new Set<LogDestination>();
const SIGNALS = ['SIGTERM', 'SIGINT', 'SIGHUP'] as const;

function flushAll(): void {
  for (const stream of open) {
    try {
      stream.flushSync();
    } catch {
      // A closed or broken destination (EPIPE on stdout) has nothing left to save.
    }
  }
}

/**
 * A stop signal: the buffers are written first. When nothing else listens for the signal the
 * process then dies of it as it would have without us (same signal, same exit status); an app
 * with its own handler (graceful shutdown) keeps control, and its later lines are written at exit.
 */
function onSignal(signal: NodeJS.Signals): void {
  flushAll();
  if (process.listenerCount(signal) === 1) {
    unlisten();
    process.kill(process.pid, signal);
  }
}

function listen(): void {
  process.on('exit', flushAll);
  for (const signal of SIGNALS) process.on(signal, onSignal);
}

function unlisten(): void {
  process.removeListener('exit', flushAll);
  for (const signal of SIGNALS) process.removeListener(signal, onSignal);
}

/**
 * A pino destination that gathers lines into one write of `bufferBytes` instead of one system
 * call per line, without losing them: the buffer is written every `flushIntervalMs`, when the
 * process exits (`process.exit()`, an uncaught exception, the event loop running dry) and on
 * `SIGTERM`, `SIGINT` and `SIGHUP` before the process stops. Only a `SIGKILL` (or a crash of
 * Node itself) loses what the buffer holds: at most `bufferBytes` (16 KB by default, about 75
 * request lines), or `flushIntervalMs` of lines, whichever is less.
 *
 * @example
 * ```ts
 * const logger = pino({ level: 'info' }, logDestination({ dest: '/var/log/app/requests.log' }));
 * const app = compose(requestLogger({ logger }))(handler);
 * ```
 */
export function logDestination(options?: LogDestinationOptions): LogDestination {
  const o = deployOptions('logDestination', options, LOG_DESTINATION_KEYS, LOG_DESTINATION_DEFAULTS);
  const { dest, bufferBytes, flushIntervalMs, mkdir } = o;
  if (!(typeof dest === 'string' ? dest.length > 0 : Number.isInteger(dest) && dest >= 0))
    invalidOption('dest', 'a file path or a file descriptor', dest);
  if (!Number.isInteger(bufferBytes) || bufferBytes < 0 || bufferBytes > 4 * 1024 * 1024)
    invalidOption('bufferBytes', 'an integer from 0 to 4194304', bufferBytes);
  if (!Number.isInteger(flushIntervalMs) || flushIntervalMs < 1)
    invalidOption('flushIntervalMs', 'a positive integer (milliseconds)', flushIntervalMs);
  if (typeof mkdir !== 'boolean') invalidOption('mkdir', 'a boolean', mkdir);
  const { pino } = loadPeer<typeof Pino>(PINO_PEER);
  // Synchronous writes: a full buffer is written before `write` returns, so what is left at
  // exit is the buffer, written by `flushSync` (an async write could still be pending then).
  const stream = pino.destination({ dest, sync: true, mkdir, contentMode: 'buffer' }) as unknown as SonicBoom;
  const buffered = new BufferedDestination(stream, bufferBytes);
  if (bufferBytes === 0) return buffered; // each line goes straight through
  const timer = setInterval(() => {
    try {
      buffered.flush();
    } catch {
      // Destroyed: its 'close' clears this timer.
    }
  }, flushIntervalMs);
  timer.unref();
  if (open.size === 0) listen();
  open.add(buffered);
  stream.on('close', () => {
    clearInterval(timer);
    open.delete(buffered);
    if (open.size === 0) unlisten();
  });
  return buffered;
}
