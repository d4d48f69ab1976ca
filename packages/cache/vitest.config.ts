import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  // Our tests import the published subpath, run from source (no build needed, one CacheError class).
  resolve: { alias: { '@adv/cache/testing': fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)) } },
  test: {
    name: 'cache',
    include: ['test/**/*.test.ts'],
    // Bounds, not expectations: CI runs every suite at once on 2 cores, where a test that starts
    // a server or a child process can take several times its quiet-machine duration.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['../../scripts/test-services.ts'],
  },
});
