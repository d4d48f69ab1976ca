/**
 * The contract every task backend passes: the memory and BullMQ test files each wire it in with
 * their factory, so both backends run the very same tests for real.
 */
import { afterEach, describe } from 'vitest';
import { createTaskApp, type TaskApp, type TaskBackend } from '../src/index.js';
import { jobContract } from './contract-jobs.js';
import { workflowContract } from './contract-workflows.js';

export { until } from './helpers.js';

export function taskBackendSuite(name: string, factory: () => TaskBackend): void {
  describe(`task backend contract: ${name}`, { timeout: 30_000 }, () => {
    const apps: TaskApp[] = [];
    const newApp = (backend = factory()) => {
      const app = createTaskApp({ backend });
      apps.push(app);
      return app;
    };
    afterEach(async () => {
      await Promise.all(apps.splice(0).map((app) => app.close({ timeout: 2000 })));
    });
    jobContract({ newApp, factory });
    workflowContract({ newApp, factory });
  });
}
