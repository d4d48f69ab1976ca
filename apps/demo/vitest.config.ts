import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';

// In the monorepo the root's setup starts redis-server and memcached; a starter copied out of
// it reads REDIS_URL instead (test/services.ts).
const monorepoServices = fileURLToPath(new URL('../../scripts/test-services.ts', import.meta.url));

export default defineProject({
  test: {
    name: 'demo',
    include: ['test/**/*.test.ts'],
    globalSetup: [existsSync(monorepoServices) ? monorepoServices : './test/services.ts'],
    testTimeout: 30_000,
  },
});
