/**
 * The settings module of `adv-deploy check --deploy --settings dist/deploy-settings.js`
 * (`npm run check`): the demo's settings from the environment, and a context describing the
 * deployment as it is (backends, middleware, health, static files, backups, migrations),
 * read without changing anything. Exits 1 on errors, so CI can gate on it.
 */
import type { DeployContext } from '@adv/deploy';
import { loadConfig } from './config.js';
import { inspectDeployment } from './deploy-check.js';

// A weak key is loaded to be reported (security.W009 / adv.E003), never to serve with.
const config = loadConfig(process.env, {}, { allowWeakSecretKey: true });

/** The settings the checks read. */
export const settings = config.settings;

/** The deployment the checks inspect. */
export function context(): Promise<DeployContext> {
  return inspectDeployment(config);
}
