import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'signals',
    include: ['test/**/*.test.ts'],
    // Bounds, not expectations: CI runs every suite at once on 2 cores, where a test that starts
    // a server or a child process can take several times its quiet-machine duration.
    testTimeout: 30_000,
    hookTimeout: 60_000,
    globalSetup: ['../../scripts/test-services.ts'],
    // test/weak.test.ts checks that weak receivers are collected: it needs `globalThis.gc`.
    execArgv: ['--expose-gc'],
    // test/types.test-d.ts asserts the public types (a Signal is a SignalLike, payload checks).
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './test/tsconfig.json' },
  },
});
