import { serve } from '@adv/async';
import { startWorker } from '@adv/tasks';
import { createApp } from './app.js';
import { loadSettings } from './settings.js';

const settings = loadSettings();
const app = await createApp(settings);
// The tasks run in this process (a PostgreSQL queue can also be worked by `npx adv-tasks worker`).
const worker = await startWorker({ app: app.tasks.app, signals: [] });
const server = await serve(app.handler, { port: settings.PORT, host: settings.HOST });
console.log(`listening on ${server.url}/ (DEBUG=${settings.DEBUG})`);

let stopping = false;
async function stop(signal: string) {
  if (stopping) return;
  stopping = true;
  console.log(`${signal}: shutting down`);
  app.health.beginShutdown(); // /readyz answers 503 from now on: the load balancer drains this process
  await server.close();
  await worker.close(); // finishes running jobs, closes the task backend
  await app.cache.close();
}
process.once('SIGTERM', () => void stop('SIGTERM'));
process.once('SIGINT', () => void stop('SIGINT'));
