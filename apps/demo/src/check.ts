/**
 * `npm run check -w @adv/demo`: Django's `check --deploy` for this app, with the demo's real
 * settings, backends, middleware, static files and migrations. Exits 1 on errors so CI can gate on it.
 */
import { checkDeployReport, formatReport, hasFailures } from '@adv/deploy';
import { pino } from 'pino';
import { createDemo } from './app.js';
import { loadConfig } from './config.js';

const config = loadConfig();
const demo = await createDemo({ ...config, seed: false }, { logger: pino({ level: 'silent' }), processTasks: false });
try {
  const report = await checkDeployReport(config.settings, demo.deployContext());
  console.log(formatReport(report));
  process.exitCode = hasFailures(report.findings) ? 1 : 0;
} finally {
  await demo.close();
}
