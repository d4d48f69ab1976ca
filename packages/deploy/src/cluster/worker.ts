import cluster from 'node:cluster';
import type { ResolvedCluster } from '../cluster.js';
import { SHUTDOWN_MESSAGE } from './messages.js';

/**
 * The worker side of `runCluster`: runs `onShutdown` once when asked to stop (the primary's
 * message, a signal, or the disconnect that drains its servers), exits when that has settled,
 * and starts the app with `worker()`.
 */
export async function runWorker(o: Pick<ResolvedCluster, 'worker' | 'onShutdown' | 'logger'>): Promise<void> {
  const { onShutdown, logger } = o;
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
  await o.worker();
}
