import type { Backends, TemplateName } from './options.js';

function backendSection(template: TemplateName, backends: Backends): string {
  const chosen = [backends.redis ? 'Redis' : '', backends.postgres ? 'PostgreSQL' : ''].filter(Boolean);
  const lines: string[] = ['## Backends', ''];
  if (chosen.length === 0) {
    lines.push(
      template === 'board'
        ? 'Embedded: nothing to install. The board keeps its data in SQLite (`data/board.sqlite3`), its cache and WebSocket channel layer in memory and its tasks in the same SQLite file. Setting `REDIS_URL` and `DATABASE_URL` later moves them to Redis and PostgreSQL without code changes (see "Scale out").'
        : 'Embedded: nothing to install. The cache is in memory and tasks run in-process. Setting `REDIS_URL` (cache on Redis) or `DATABASE_URL` (tasks on PostgreSQL) later needs no code change: add `@keyv/redis` or `pg` to the dependencies.',
    );
  } else {
    lines.push(`This app was created for ${chosen.join(' and ')}; \`.env.example\` has the URLs to set.`, '');
    if (backends.redis) {
      lines.push(
        template === 'board'
          ? '- `REDIS_URL=redis://127.0.0.1:6379`: the cache, the BullMQ task queue (fed by an outbox in the database) and the WebSocket channel layer move to Redis, so several processes (`--workers N`) and machines share them.'
          : '- `REDIS_URL=redis://127.0.0.1:6379`: the cache (and so the cached page and the greeting counter) moves to Redis (`@keyv/redis`), shared by every process.',
      );
    }
    if (backends.postgres) {
      lines.push(
        template === 'board'
          ? "- `DATABASE_URL=postgres://user:password@host:5432/board`: the board's data (and, without Redis, its task queue) moves to PostgreSQL; migrations run on start. Create the database first (`createdb board`)."
          : '- `DATABASE_URL=postgres://user:password@host:5432/app`: tasks are queued durably in PostgreSQL (`@adv/tasks/postgres`, schema `adv_tasks`, created on first use) with `pg`.',
      );
    }
    lines.push('', 'Unset, each falls back to the embedded default (memory, in-process).');
  }
  lines.push(
    '',
    template === 'board'
      ? "CI (`.github/workflows/ci.yml`) runs the board's whole test suite, which covers SQLite and PostgreSQL and the scale-out over Redis, so it starts both as service containers whichever you run in production. Locally, `npm test` uses `REDIS_URL` and `TEST_POSTGRES_URL` when set and skips those suites (with a warning) otherwise."
      : chosen.length === 0
        ? 'CI (`.github/workflows/ci.yml`) needs no service: lint, build, tests, and `check --deploy` with production settings.'
        : `CI (\`.github/workflows/ci.yml\`) starts ${chosen.join(' and ')} as service containers and runs the tests against them, then \`check --deploy\` with production settings.`,
  );
  return `${lines.join('\n')}\n`;
}

/** The app's README: quick start, the backend section for the choices made, then the template's own text. */
export function appReadme(name: string, template: TemplateName, description: string, backends: Backends, body: string) {
  return `# ${name}

${description} Made with \`npm create adv@latest\` (the \`${template}\` template), on the
[adv](https://github.com/adv-js/adv) packages.

## Quick start

\`\`\`sh
npm install        # if it was skipped (--no-install)
npm run build
npm start          # listening on http://127.0.0.1:3000/
\`\`\`

| command | what |
| --- | --- |
| \`npm run build\` | compiles \`src/\` to \`dist/\`${template === 'board' ? ' and collects the static files' : ''} |
| \`npm start\` | the app (\`PORT\`, \`HOST\` and the rest from the environment or \`.env\`, see \`.env.example\`) |
| \`npm test\` | the tests (vitest) |
| \`npm run lint\` | Biome |
| \`npm run check\` | \`adv-deploy check --deploy\`: Django's deploy checks on the app's real settings; exits 1 on errors |

${backendSection(template, backends)}
${body}`;
}
