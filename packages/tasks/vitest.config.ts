import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'tasks',
    include: ['test/**/*.test.ts'],
    globalSetup: ['../../scripts/test-services.ts'],
    // test/*.test-d.ts: type-level tests, checked by tsc with test/tsconfig.json (all test files type-check too).
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './test/tsconfig.json' },
  },
});
