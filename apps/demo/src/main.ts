import { serve } from '@adv/async';
import { checkDeploy } from '@adv/deploy';
import { createDemo } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const demo = await createDemo(config);
const { logger } = demo;
const server = await serve(demo.handler, {
  port: config.port,
  host: config.host,
  websocket: demo.websocket,
  logger,
});
demo.setBaseUrl(server.url);
console.log(`adv demo listening on ${server.url}/`);

// Like Django's runserver, report the deploy checks at start when not in DEBUG
// (`npm run check` exits non-zero on errors; in DEBUG they would only say "not a deployment").
if (!config.debug) {
  for (const finding of await checkDeploy(config.settings, demo.deployContext())) {
    logger.warn({ check: finding.id, level: finding.level, hint: finding.hint }, finding.message);
  }
}

// Graceful shutdown: /readyz fails first so a load balancer drains us, then in-flight requests
// finish, WebSockets close with 1001, queued tasks drain and the database closes.
let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, async () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    demo.health.beginShutdown();
    await server.close();
    await demo.close();
    process.exit(0);
  });
}
