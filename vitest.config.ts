import { defineConfig } from 'vitest/config';

// `npx vitest` at the root runs every workspace's project; `npm test` goes through turbo
// instead, so each package is built before its tests run.
export default defineConfig({
  test: {
    projects: ['packages/*', 'apps/*'],
  },
});
