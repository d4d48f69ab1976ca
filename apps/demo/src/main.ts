import { checkDeploy } from '@adv/deploy';
import { createDemo } from './app.js';
import { loadConfig } from './config.js';
import { listen } from './server.js';

const config = loadConfig();
const demo = await createDemo(config);
const { logger } = demo;
const { server, url } = await listen(demo.handler, config.port, config.host);
demo.attach(server);
demo.setBaseUrl(url);
console.log(`adv demo listening on ${url}/`);
// Like Django's runserver, report the system checks at start (`npm run check` exits non-zero on errors).
// In DEBUG (the development defaults) they would only repeat that this is not a deployment.
if (!config.debug) {
  for (const finding of await checkDeploy(config.settings, demo.deployContext())) {
    logger.warn({ check: finding.id, level: finding.level, hint: finding.hint }, finding.message);
  }
}

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    server.close();
    server.closeAllConnections();
    void demo.close().then(() => process.exit(0));
  });
}
