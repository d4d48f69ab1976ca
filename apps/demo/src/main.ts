import cluster from 'node:cluster';
import { parseArgs } from 'node:util';
import { checkDeploy, runCluster } from '@adv/deploy';
import { loadConfig } from './config.js';
import { prepare, type Running, startServer } from './start.js';

const { values } = parseArgs({ options: { workers: { type: 'string' } }, strict: true });
const config = loadConfig();
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
    for (const finding of await checkDeploy(config.settings, { ...demo.deployContext(), processes: workers })) {
      demo.logger.warn({ check: finding.id, level: finding.level, hint: finding.hint }, finding.message);
    }
  }
  return running;
}

if (workers === 1) {
  const running = await serveOne(false);
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, async () => {
      running.demo.logger.info({ signal }, 'shutting down');
      await running.stop();
      process.exit(0);
    });
  }
} else {
  if (cluster.isPrimary) {
    await prepare(config);
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
