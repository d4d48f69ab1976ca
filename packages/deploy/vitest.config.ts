import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'deploy',
    include: ['test/**/*.test.ts'],
    // Bounds, not expectations: CI runs every suite at once on 2 cores, where a test that starts
    // a server or a child process can take several times its quiet-machine duration.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['../../scripts/test-services.ts'],
  },
});
