import cluster, { type Worker } from 'node:cluster';
import type { ResolvedCluster } from '../cluster.js';
import { SHUTDOWN_MESSAGE } from './messages.js';

type PrimaryOptions = Pick<ResolvedCluster, 'shutdownTimeoutMs' | 'drainDelayMs' | 'restartDelayMs' | 'logger'>;

function exited(worker: Worker): Promise<void> {
  return worker.isDead() ? Promise.resolve() : new Promise((resolve) => worker.once('exit', () => resolve()));
}

/**
 * Delay before replacing a crashed worker: `restartDelayMs` doubled per crash within the last
 * minute (at most 30 s). `crashes` holds the crash times and is trimmed to that minute.
 */
export function crashDelay(crashes: number[], now: number, restartDelayMs: number): number {
  crashes.push(now);
  while (crashes.length > 0 && (crashes[0] ?? 0) < now - 60_000) crashes.shift();
  return Math.min(restartDelayMs * 2 ** (crashes.length - 1), 30_000);
}

/** Asks each worker to run `onShutdown` (readiness turns to 503) while it keeps serving. */
function announceShutdown(workers: readonly Worker[]): void {
  for (const w of workers) {
    try {
      if (w.isConnected()) w.send(SHUTDOWN_MESSAGE);
    } catch {
      // already disconnecting: stop() handles it
    }
  }
}

/** Waits `ms`, or less if every worker has exited by then. */
async function drainDelay(workers: readonly Worker[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
    Promise.all(workers.map(exited)),
  ]);
  clearTimeout(timer);
}

/**
 * The primary side of `runCluster`: forks workers, replaces crashed ones with backoff, restarts
 * them one by one, and drains them all on shutdown.
 */
export class ClusterPrimary {
  private readonly stopping = new Set<Worker>();
  /** Workers forked by a rolling restart that have not listened yet: not replaced when they die. */
  private readonly trial = new Set<Worker>();
  /** Pending crash replacements: they keep the primary alive (even with no worker left) until shutdown clears them. */
  private readonly replacements = new Set<NodeJS.Timeout>();
  private readonly crashes: number[] = [];
  private shuttingDown = false;
  private restarting: Promise<void> | undefined;
  private stoppingAll: Promise<void> | undefined;

  constructor(private readonly o: PrimaryOptions) {}

  /** The running workers that are not being stopped. */
  current(): Worker[] {
    return Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !this.stopping.has(w) && !w.isDead());
  }

  fork(): Worker {
    const { logger } = this.o;
    const worker = cluster.fork();
    logger.info({ event: 'fork', pid: worker.process.pid }, 'worker forked');
    worker.once('listening', () => {
      this.trial.delete(worker);
      logger.info({ event: 'listening', pid: worker.process.pid }, 'worker listening');
    });
    worker.once('exit', (code, signal) => this.onExit(worker, code, signal));
    return worker;
  }

  /** A planned exit is logged; a new version dying before it listened stops there; a crash is replaced after a backoff. */
  private onExit(worker: Worker, code: number, signal: string): void {
    const { logger } = this.o;
    const planned = this.stopping.delete(worker);
    if (planned || this.shuttingDown) {
      logger.info({ event: 'exit', pid: worker.process.pid, code, signal }, 'worker stopped');
      return;
    }
    if (this.trial.delete(worker)) {
      // The new version died before listening: the rolling restart stops and the old workers keep serving.
      logger.error(
        { event: 'restart-failed', pid: worker.process.pid, code, signal },
        'new worker exited before listening; keeping the running workers',
      );
      return;
    }
    const delay = crashDelay(this.crashes, Date.now(), this.o.restartDelayMs);
    logger.error(
      { event: 'crash', pid: worker.process.pid, code, signal, restartInMs: delay },
      'worker exited unexpectedly; replacing it',
    );
    const timer = setTimeout(() => {
      this.replacements.delete(timer);
      if (!this.shuttingDown) this.fork();
    }, delay);
    this.replacements.add(timer);
  }

  /** Drains one worker (disconnect), killing it after `shutdownTimeoutMs`. */
  async stop(worker: Worker): Promise<void> {
    if (worker.isDead()) return;
    this.stopping.add(worker);
    const done = exited(worker);
    const killer = setTimeout(() => {
      this.o.logger.warn({ event: 'kill', pid: worker.process.pid }, 'worker did not drain in time; killing it');
      worker.process.kill('SIGKILL');
    }, this.o.shutdownTimeoutMs);
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
  }

  restart(): Promise<void> {
    // A second SIGHUP while one rolling restart runs joins it instead of doubling the workers.
    this.restarting ??= this.rollingRestart().finally(() => {
      this.restarting = undefined;
    });
    return this.restarting;
  }

  private async rollingRestart(): Promise<void> {
    this.o.logger.info({ event: 'restart' }, 'graceful restart');
    for (const old of this.current()) {
      if (this.shuttingDown) return;
      const fresh = this.fork();
      this.trial.add(fresh);
      const listened = await new Promise<boolean>((resolve) => {
        fresh.once('listening', () => resolve(true));
        fresh.once('exit', () => resolve(false));
      });
      if (!listened) return; // keep `old` and the rest: never trade working workers for broken ones
      await this.stop(old);
    }
  }

  shutdown(): Promise<void> {
    this.stoppingAll ??= this.stopAll();
    return this.stoppingAll;
  }

  private async stopAll(): Promise<void> {
    const { drainDelayMs, logger } = this.o;
    this.shuttingDown = true;
    for (const timer of this.replacements) clearTimeout(timer);
    this.replacements.clear();
    logger.info({ event: 'shutdown', drainDelayMs }, 'graceful shutdown');
    const workers = Object.values(cluster.workers ?? {}).filter((w): w is Worker => !!w && !w.isDead());
    if (drainDelayMs > 0) {
      // Readiness first: every worker runs onShutdown and keeps serving while the load balancer notices.
      announceShutdown(workers);
      await drainDelay(workers, drainDelayMs);
    }
    await Promise.all(workers.map((w) => this.stop(w)));
  }
}
