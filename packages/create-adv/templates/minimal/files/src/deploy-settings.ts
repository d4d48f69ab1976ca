/**
 * The module of `adv-deploy check --deploy --settings dist/deploy-settings.js` (`npm run check`):
 * the app's settings, and what else the checks inspect. Exits 1 on errors: gate CI on it.
 */
import type { DeployContext } from '@adv/deploy';
import { loadSettings } from './settings.js';

/** The settings the checks read (a weak key is loaded to be reported, never to serve with). */
export const settings = loadSettings(undefined, { allowWeakSecretKey: true });

/** The deployment: one process, health probes at the default paths, no data of its own to back up. */
export const context: DeployContext = {
  processes: 1,
  health: { livenessPath: '/healthz', readinessPath: '/readyz' },
  backup: false,
};
