import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'signals',
    include: ['test/**/*.test.ts'],
    globalSetup: ['../../scripts/test-services.ts'],
    // test/weak.test.ts checks that weak receivers are collected: it needs `globalThis.gc`.
    execArgv: ['--expose-gc'],
    // test/types.test-d.ts asserts the public types (a Signal is a SignalLike, payload checks).
    typecheck: { enabled: true, include: ['test/**/*.test-d.ts'], tsconfig: './test/tsconfig.json' },
  },
});
