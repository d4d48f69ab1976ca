import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'demo',
    include: ['test/**/*.test.ts'],
    globalSetup: ['../../scripts/test-services.ts'],
    testTimeout: 30_000,
  },
});
