import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { checkDeploy, runCluster, SettingsError } from '@adv/deploy';
import { loadConfig } from './config.js';
import { DatabaseError } from './db/sql.js';
import { prepare, type Running, startServer } from './start.js';

const { values } = parseArgs({ options: { workers: { type: 'string' } }, strict: true });
/** What the operator fixes in the environment (a setting, the database): one clear line, no stack trace. */
function exitOnStartupError(error: unknown): never {
  if (!(error instanceof SettingsError || error instanceof DatabaseError)) throw error;
  console.error(`adv demo could not start: ${error.message}`);
  process.exit(1);
}

const config = (() => {
  try {
    return loadConfig();
  } catch (error) {
    return exitOnStartupError(error);
  }
})();
const workers = values.workers === undefined ? config.workers : Number(values.workers);
if (!Number.isInteger(workers) || workers < 1) {
  console.error(`Expected \`--workers\` to be an integer from 1 and up, got \`${values.workers}\``);
  process.exit(2);
}
if (workers > 1 && !config.redisUrl) {
  // Several processes with in-memory cache, queue and channel layer would each see only their
  // own state (deploy check adv.E001): refuse rather than serve inconsistent pages.
  console.error('`--workers` above 1 needs REDIS_URL: cache, tasks and WebSocket groups must be shared.');
  process.exit(2);
}

async function serveOne(prepared: boolean): Promise<Running> {
  const running = await startServer(config, { prepared });
  const { demo, server } = running;
  console.log(`adv demo listening on ${server.url}/ (pid ${process.pid})`);
  // Like Django's runserver, report the deploy checks at start when not in DEBUG
  // (`npm run check` exits non-zero on errors; in DEBUG they would only say "not a deployment").
  if (!config.debug) {
    // Errors log at `error`, the rest at `warn`; the finding's own level is `severity` (pino's
    // `level` key is its numeric level: a second `level` would make the JSON line ambiguous).
    for (const finding of await checkDeploy(config.settings, { ...demo.deployContext(), processes: workers })) {
      const fields = { check: finding.id, severity: finding.level, hint: finding.hint };
      if (finding.level === 'error' || finding.level === 'critical') demo.logger.error(fields, finding.message);
      else if (finding.level === 'warning') demo.logger.warn(fields, finding.message);
      else demo.logger.info(fields, finding.message);
    }
  }
  return running;
}

if (workers === 1) {
  const running = await serveOne(false).catch(exitOnStartupError);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, async () => {
      running.demo.logger.info({ signal }, 'shutting down');
      // Bounded: a server that is down (Redis, PostgreSQL) must not keep a stopping process alive.
      const timer = setTimeout(() => {
        running.demo.logger.error(
          { signal, shutdownTimeoutMs: config.shutdownTimeoutMs },
          'shutdown did not finish within SHUTDOWN_TIMEOUT_MS; exiting anyway',
        );
        process.exit(1);
      }, config.shutdownTimeoutMs);
      try {
        await running.stop();
      } catch (error) {
        running.demo.logger.error({ err: error }, 'shutdown failed');
        process.exit(1);
      }
      clearTimeout(timer);
      process.exit(0);
    });
  }
} else {
  if (cluster.isPrimary) {
    await prepare(config).catch(exitOnStartupError);
    console.log(
      `adv demo: starting ${workers} workers on http://${config.host}:${config.port}/ sharing ${config.redisUrl}`,
    );
  }
  let running: Running | undefined;
  await runCluster({
    workers,
    worker: async () => {
      running = await serveOne(true);
    },
    onShutdown: () => running?.stop(),
  });
}
