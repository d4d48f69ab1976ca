import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'create-adv',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
  },
});
