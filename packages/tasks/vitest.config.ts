import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

export default defineProject({
  // Our tests import the published subpath, run from source (no build needed, one TaskError class).
  resolve: { alias: { '@adv/tasks/testing': fileURLToPath(new URL('./src/testing/index.ts', import.meta.url)) } },
  test: {
    name: 'tasks',
    include: ['test/**/*.test.ts'],
    // Bounds, not expectations: CI runs every suite at once on 2 cores, where a test that starts
    // a server or a child process can take several times its quiet-machine duration.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['../../scripts/test-services.ts'],
    // test/*.test-d.ts: type-level tests, checked by tsc with test/tsconfig.json (all test files type-check too).
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './test/tsconfig.json' },
  },
});
