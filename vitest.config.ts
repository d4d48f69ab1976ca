import { defineConfig } from 'vitest/config';
import { projects as demoProjects } from './apps/demo/vitest.config.js';

// `npx vitest` at the root runs every workspace's project; `npm test` goes through turbo
// instead, so each package is built before its tests run.
export default defineConfig({
  test: {
    // The demo defines two projects (SQLite and PostgreSQL), so it is listed by value.
    projects: ['packages/*', ...demoProjects],
  },
});
