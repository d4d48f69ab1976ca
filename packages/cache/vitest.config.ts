import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  // Our tests import the published subpath, run from source (no build needed, one CacheError class).
  resolve: { alias: { '@adv/cache/testing': fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)) } },
  test: {
    name: 'cache',
    include: ['test/**/*.test.ts'],
    globalSetup: ['../../scripts/test-services.ts'],
  },
});
