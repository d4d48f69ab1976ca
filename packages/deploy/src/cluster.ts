import cluster from 'node:cluster';
import { availableParallelism } from 'node:os';
import { type Logger, type OptionKeys, silentLogger } from '@adv/types';
import { ClusterPrimary } from './cluster/primary.js';
import { runWorker } from './cluster/worker.js';
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

/** {@link ClusterOptions} checked, with the defaults filled in and `workers` counted. */
export type ResolvedCluster = ReturnType<typeof resolveClusterOptions>;

function resolveClusterOptions(options: ClusterOptions) {
  const o = deployOptions('runCluster', options, CLUSTER_KEYS, { ...CLUSTER_DEFAULTS, logger: silentLogger });
  const { worker, onShutdown, shutdownTimeoutMs, drainDelayMs, restartDelayMs } = o;
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
  return { ...o, worker, count };
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
  const o = resolveClusterOptions(options);
  if (cluster.isWorker) {
    await runWorker(o);
    return undefined;
  }
  const primary = new ClusterPrimary(o);
  const handle: ClusterHandle = {
    get pids() {
      return primary.current().map((w) => w.process.pid ?? 0);
    },
    restart: () => primary.restart(),
    shutdown: () => primary.shutdown(),
  };
  if (o.handleSignals) {
    const onStop = () => void handle.shutdown();
    process.once('SIGTERM', onStop);
    process.once('SIGINT', onStop);
    process.on('SIGHUP', () => void handle.restart());
  }
  for (let i = 0; i < o.count; i++) primary.fork();
  return handle;
}
