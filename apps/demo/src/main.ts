import { createDemo } from './app.js';
import { loadConfig } from './config.js';
import { jsonLogger } from './logger.js';
import { listen } from './server.js';

const config = loadConfig();
const logger = jsonLogger((process.env.LOG_LEVEL as 'info' | undefined) ?? 'info');
const demo = await createDemo(config, { logger });
const { server, url } = await listen(demo.handler, config.port, config.host);
demo.attach(server);
demo.setBaseUrl(url);
console.log(`adv demo listening on ${url}/`);

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
