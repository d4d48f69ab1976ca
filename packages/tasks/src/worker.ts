import type { Logger } from '@adv/types';
import { silentLogger } from '@adv/types';
import type { TaskApp } from './app.js';
import { checkInteger, readOptions } from './validate.js';

/** Options of {@link startWorker}. */
export interface StartWorkerOptions {
  /** The app whose tasks this worker runs. */
  app: TaskApp;
  /** Jobs run at once. @defaultValue 8 */
  concurrency?: number | undefined;
  /** How long a shutdown waits for active jobs before aborting them (ms). @defaultValue 30000 */
  shutdownTimeout?: number | undefined;
  /** Signals that start a graceful shutdown. @defaultValue ['SIGTERM', 'SIGINT'] */
  signals?: readonly NodeJS.Signals[] | undefined;
  /** Where start and shutdown are logged. @defaultValue silentLogger */
  logger?: Logger | undefined;
}

const WORKER_KEYS = { app: true, concurrency: true, shutdownTimeout: true, signals: true, logger: true } as const;
const WORKER_DEFAULTS = {
  concurrency: 8,
  shutdownTimeout: 30_000,
  signals: ['SIGTERM', 'SIGINT'] as readonly NodeJS.Signals[],
  logger: silentLogger,
};

/** A running worker. */
export interface RunningWorker {
  /** Resolves once the worker has stopped (after a signal or `close()`). */
  readonly closed: Promise<void>;
  /** Stops taking jobs, waits for active ones (up to `shutdownTimeout`), closes the backend. */
  close(): Promise<void>;
}

/**
 * Runs the app's jobs in this process until SIGTERM/SIGINT, then shuts down gracefully: no new
 * jobs are taken, active ones finish (BullMQ keeps unfinished ones for another worker).
 *
 * @example
 * ```ts
 * const worker = await startWorker({ app, concurrency: 8, logger: console });
 * await worker.closed;
 * ```
 */
export async function startWorker(options: StartWorkerOptions): Promise<RunningWorker> {
  const o = readOptions('startWorker', options, WORKER_KEYS, WORKER_DEFAULTS);
  const { app, logger, signals } = o;
  const concurrency = checkInteger('concurrency', o.concurrency, 1);
  const shutdownTimeout = checkInteger('shutdownTimeout', o.shutdownTimeout, 0);
  // Memory backend timers do not hold the process open; a worker should live until told to stop.
  const keepAlive = setInterval(() => {}, 1 << 30);
  let resolveClosed!: () => void;
  const closed = new Promise<void>((resolve) => {
    resolveClosed = resolve;
  });
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      for (const signal of signals) process.off(signal, onSignal);
      logger.info({ backend: app.backend.backendInfo.name }, 'adv-tasks: worker shutting down');
      try {
        await app.close({ timeout: shutdownTimeout });
      } finally {
        clearInterval(keepAlive);
        logger.info('adv-tasks: worker stopped');
        resolveClosed();
      }
    })();
    return closing;
  };
  const onSignal = (signal: NodeJS.Signals) => {
    logger.info({ signal }, 'adv-tasks: signal received');
    void close();
  };
  for (const signal of signals) process.on(signal, onSignal);
  try {
    await app.process({ concurrency });
  } catch (error) {
    await close();
    throw error;
  }
  logger.info({ backend: app.backend.backendInfo.name, concurrency, pid: process.pid }, 'adv-tasks: worker started');
  return { closed, close };
}
