import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { defineConfig, type TestProjectInlineConfiguration } from 'vitest/config';

const root = fileURLToPath(new URL('.', import.meta.url));
// In the monorepo the root's setup starts redis-server, memcached and PostgreSQL; a starter
// copied out of it reads REDIS_URL and TEST_POSTGRES_URL instead (test/services.ts).
const monorepoServices = fileURLToPath(new URL('../../scripts/test-services.ts', import.meta.url));
const globalSetup = [existsSync(monorepoServices) ? monorepoServices : './test/services.ts'];

/** The suites that exercise the board's data: they run again with the board on PostgreSQL. */
const ON_BOTH_DATABASES = ['routes', 'tasks', 'durable-tasks', 'realtime', 'scale-out', 'processes', 'e2e'].map(
  (name) => `test/${name}.test.ts`,
);

// A PostgreSQL server: the one TEST_POSTGRES_URL names, or (in the monorepo, whose setup starts
// one) a local installation.
const localPostgres =
  Boolean(process.env.PG_BIN) ||
  (existsSync('/usr/lib/postgresql') &&
    readdirSync('/usr/lib/postgresql').some((v) => existsSync(`/usr/lib/postgresql/${v}/bin/initdb`)));
const havePostgres = Boolean(process.env.TEST_POSTGRES_URL) || (existsSync(monorepoServices) && localPostgres);
const isCI = process.env.CI === 'true' || process.env.CI === '1';
if (!havePostgres && !isCI) {
  console.warn(
    '\n\x1b[33m!!! No PostgreSQL (TEST_POSTGRES_URL unset, no local initdb): the demo-postgres project is SKIPPED. Set TEST_POSTGRES_URL (or apt-get install -y postgresql in the monorepo) to run it.\x1b[0m\n',
  );
}

// Bounds, not expectations: CI runs every suite at once on 2 busy cores, where a hook that builds a
// demo (migrations, a fresh PostgreSQL database) or starts a browser can take several times its
// quiet-machine duration; vitest's default hook bound (10 s) is too tight for that.
export const projects: TestProjectInlineConfiguration[] = [
  {
    test: { name: 'demo', root, include: ['test/**/*.test.ts'], globalSetup, testTimeout: 30_000, hookTimeout: 60_000 },
  },
  // In CI this project always runs: without PostgreSQL its setup fails the run.
  ...(havePostgres || isCI
    ? [
        {
          test: {
            name: 'demo-postgres',
            root,
            include: ON_BOTH_DATABASES,
            globalSetup,
            testTimeout: 30_000,
            hookTimeout: 60_000,
            env: { ADV_TEST_DATABASE: 'postgres' },
          },
        },
      ]
    : []),
];

export default defineConfig({ test: { projects } });
