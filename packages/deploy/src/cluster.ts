import cluster, { type Worker } from 'node:cluster';
import { availableParallelism } from 'node:os';
import { type Logger, type OptionKeys, silentLogger } from '@adv/types';
import { invalidOption } from './errors.js';
import { deployOptions } from './options.js';

/** Options of {@link runCluster}. */
export interface ClusterOptions {
  /**
   * Worker processes to keep running.
   * @defaultValue `os.availableParallelism()`
   */
  workers?: number | undefined;
  /** Runs in each worker: start the server here (workers share its port through node:cluster). */
  worker: () => unknown;
  /**
   * Runs in a worker when it is asked to stop, before its servers close (e.g. `health.beginShutdown()`,
   * stop consuming queues). The worker exits once its servers have drained and this has settled.
   */
  onShutdown?: (() => unknown) | undefined;
  /**
   * Milliseconds a stopping worker may take to drain in-flight requests before it is killed.
   * @defaultValue `30000`
   */
  shutdownTimeoutMs?: number | undefined;
  /**
   * On a full shutdown (SIGTERM, `shutdown()`), milliseconds the workers keep serving after
   * `onShutdown` ran (call `health.beginShutdown()` there, so `/readyz` answers 503) before they
   * stop accepting connections: the time a load balancer needs to notice and route elsewhere.
   * `shutdownTimeoutMs` counts from the end of this delay; keep systemd's `TimeoutStopSec` above both.
   * Rolling restarts need no delay (the other workers keep the port open) and skip it.
   * @defaultValue `0`
   */
  drainDelayMs?: number | undefined;
  /**
   * Delay before replacing a crashed worker; doubles with each crash within a minute (max 30 s),
   * so a crash loop does not spin the CPU.
   * @defaultValue `1000`
   */
  restartDelayMs?: number | undefined;
  /**
   * Handle SIGTERM/SIGINT (graceful shutdown) and SIGHUP (graceful rolling restart) in the primary.
   * @defaultValue `true`
   */
  handleSignals?: boolean | undefined;
  /** Where the primary reports forks, exits and restarts (pino or console fit). @defaultValue silent */
  logger?: Logger | undefined;
}

/** Defaults of {@link ClusterOptions}. */
export const CLUSTER_DEFAULTS = {
  shutdownTimeoutMs: 30_000,
  drainDelayMs: 0,
  restartDelayMs: 1000,
  handleSignals: true,
} as const;

const CLUSTER_KEYS: OptionKeys<ClusterOptions> = {
  workers: true,
  worker: true,
  onShutdown: true,
  shutdownTimeoutMs: true,
  drainDelayMs: true,
  restartDelayMs: true,
  handleSignals: true,
  logger: true,
};

/** Control over the workers, returned in the primary. */
export interface ClusterHandle {
  /** Process ids of the running workers. */
  readonly pids: number[];
  /**
   * Replaces every worker one by one: fork a new one, wait until it listens, then drain the old
   * one (Gunicorn's HUP). When a new worker exits before listening (a broken release), the
   * restart stops there and the remaining old workers keep serving (`restart-failed` event).
   * A call while a restart runs returns the running one.
   */
  restart(): Promise<void>;
  /**
   * Runs `onShutdown` in every worker, waits `drainDelayMs`, then drains and stops every worker;
   * resolves when all have exited. Calling it again returns the same promise.
   */
  shutdown(): Promise<void>;
}

const SHUTDOWN_MESSAGE = 'adv-deploy:shutdown';

function exited(worker: Worker): Promise<void> {
  return worker.isDead() ? Promise.resolve() : new Promise((resolve) => worker.once('exit', () => resolve()));
}

/**
 * Gunicorn's job on node:cluster: runs `worker` in N processes sharing one port, replaces
 * crashed workers (with backoff), restarts them gracefully one by one on SIGHUP, and on
 * SIGTERM drains in-flight requests before exiting. Resolves with a {@link ClusterHandle} in
 * the primary and `undefined` in workers (after `worker()` has run).
 *
 * @example
 * ```ts
 * await runCluster({ workers: 4, worker: () => serve(app, { port: 3000 }) });
 * ```
 */
export async function runCluster(options: ClusterOptions): Promise<ClusterHandle | undefined> {
  const o = deployOptions('runCluster', options, CLUSTER_KEYS, { ...CLUSTER_DEFAULTS, logger: silentLogger });
  const { worker, onShutdown, shutdownTimeoutMs, drainDelayMs, restartDelayMs, handleSignals, logger } = o;
  if (typeof worker !== 'function') invalidOption('worker', 'a function that starts the server', worker);
  if (onShutdown !== undefined && typeof onShutdown !== 'function')
    invalidOption('onShutdown', 'a function', onShutdown);
  const count = o.workers ?? availableParallelism();
  if (!Number.isInteger(count) || count < 1) invalidOption('workers', 'an integer from 1 and up', count);
  if (!Number.isFinite(shutdownTimeoutMs) || shutdownTimeoutMs <= 0) {
    invalidOption('shutdownTimeoutMs', 'a positive number of milliseconds', shutdownTimeoutMs);
  }
  if (!Number.isFinite(drainDelayMs) || drainDelayMs < 0) {
    invalidOption('drainDelayMs', 'a non-negative number of milliseconds', drainDelayMs);
  }
  if (!Number.isFinite(restartDelayMs) || restartDelayMs < 0) {
    invalidOption('restartDelayMs', 'a non-negative number of milliseconds', restartDelayMs);
  }

  if (cluster.isWorker) {
    const self = cluster.worker;
    let stopping: Promise<unknown> | undefined;
    const beginStop = () => {
      stopping ??= Promise.resolve()
        .then(() => onShutdown?.())
        .catch((error: unknown) => logger.error({ err: error }, 'onShutdown failed'));
      return stopping;
    };
    process.on('message', (message) => {
      if (message === SHUTDOWN_MESSAGE) void beginStop();
    });
    // Ctrl-C reaches every process of the group, and a signal may target one worker: drain
    // instead of dying mid-request (the primary coordinates a full shutdown).
    const onSignal = () => {
      void beginStop();
      if (self?.isConnected()) self.disconnect();
    };
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    // The primary's disconnect() closes this worker's servers, waits for in-flight requests, then the IPC channel.
    self?.once('disconnect', () => {
      void beginStop().finally(() => process.exit(0));
    });
    await worker();
    return undefined;
  }

  const stopping = new Set<Worker>();
  /** Workers forked by a rolling restart that have not listened yet: not replaced when they die. */
  const trial = new Set<Worker>();
  /** Pending crash replacements: they keep the primary alive (even with no worker left) until shutdown clears them. */
  const replacements = new Set<NodeJS.Timeout>();
  const crashes: number[] = [];
  let shuttingDown = false;
  let restarting: Promise<void> | undefined;
  let stoppingAll: Promise<void> | undefined;

  const fork = () => {
    const worker = cluster.fork();
    logger.info({ event: 'fork', pid: worker.process.pid }, 'worker forked');
    worker.once('listening', () => {
      trial.delete(worker);
      logger.info({ event: 'listening', pid: worker.process.pid }, 'worker listening');
    });
    worker.once('exit', (code, signal) => {
      const planned = stopping.delete(worker);
      if (planned || shuttingDown) {
        logger.info({ event: 'exit', pid: worker.process.pid, code, signal }, 'worker stopped');
        return;
      }
      if (trial.delete(worker)) {
        // The new version died before listening: the rolling restart stops and the old workers keep serving.
        logger.error(
          { event: 'restart-failed', pid: worker.process.pid, code, signal },
          'new worker exited before listening; keeping the running workers',
        );
        return;
      }
      const now = Date.now();
      crashes.push(now);
      while (crashes.length > 0 && (crashes[0] ?? 0) < now - 60_000) crashes.shift();
      const delay = Math.min(restartDelayMs * 2 ** (crashes.length - 1), 30_000);
      logger.error(
        { event: 'crash', pid: worker.process.pid, code, signal, restartInMs: delay },
        'worker exited unexpectedly; replacing it',
      );
      const timer = setTimeout(() => {
        replacements.delete(timer);
        if (!shuttingDown) fork();
      }, delay);
      replacements.add(timer);
    });
    return worker;
  };

  const stop = async (worker: Worker) => {
    if (worker.isDead()) return;
    stopping.add(worker);
    const done = exited(worker);
    const killer = setTimeout(() => {
      logger.warn({ event: 'kill', pid: worker.process.pid }, 'worker did not drain in time; killing it');
      worker.process.kill('SIGKILL');
    }, shutdownTimeoutMs);
    try {
      if (worker.isConnected()) {
        worker.send(SHUTDOWN_MESSAGE);
        worker.disconnect();
      } else {
        worker.process.kill('SIGTERM');
      }
    } catch {
      worker.process.kill('SIGTERM');
    }
    await done;
    clearTimeout(killer);
  };

  const current = () =>
    Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !stopping.has(w) && !w.isDead());

  const handle: ClusterHandle = {
    get pids() {
      return current().map((w) => w.process.pid ?? 0);
    },
    restart() {
      // A second SIGHUP while one rolling restart runs joins it instead of doubling the workers.
      restarting ??= (async () => {
        logger.info({ event: 'restart' }, 'graceful restart');
        for (const old of current()) {
          if (shuttingDown) return;
          const fresh = fork();
          trial.add(fresh);
          const listened = await new Promise<boolean>((resolve) => {
            fresh.once('listening', () => resolve(true));
            fresh.once('exit', () => resolve(false));
          });
          if (!listened) return; // keep `old` and the rest: never trade working workers for broken ones
          await stop(old);
        }
      })().finally(() => {
        restarting = undefined;
      });
      return restarting;
    },
    shutdown() {
      stoppingAll ??= (async () => {
        shuttingDown = true;
        for (const timer of replacements) clearTimeout(timer);
        replacements.clear();
        logger.info({ event: 'shutdown', drainDelayMs }, 'graceful shutdown');
        const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
        if (drainDelayMs > 0) {
          // Readiness first: every worker runs onShutdown and keeps serving while the load balancer notices.
          for (const w of workers) {
            try {
              if (w.isConnected()) w.send(SHUTDOWN_MESSAGE);
            } catch {
              // already disconnecting: stop() below handles it
            }
          }
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            new Promise((resolve) => {
              timer = setTimeout(resolve, drainDelayMs);
            }),
            Promise.all(workers.map(exited)),
          ]);
          clearTimeout(timer);
        }
        await Promise.all(workers.map(stop));
      })();
      return stoppingAll;
    },
  };

  if (handleSignals) {
    const onStop = () => void handle.shutdown();
    process.once('SIGTERM', onStop);
    process.once('SIGINT', onStop);
    process.on('SIGHUP', () => void handle.restart());
  }
  for (let i = 0; i < count; i++) fork();
  return handle;
}
