import type { Backends, TemplateName } from './options.js';

/** The app's `.env.example`: the settings it reads, with the chosen servers' URLs filled in. */
export function envExample(template: TemplateName, backends: Backends): string {
  const redis =
    template === 'board'
      ? 'cache, BullMQ tasks (through an outbox) and the WebSocket channel layer on Redis'
      : 'the cache on Redis';
  const postgres =
    template === 'board'
      ? 'the board on PostgreSQL (migrations run on start) instead of data/board.sqlite3'
      : 'the task queue on PostgreSQL (schema adv_tasks) instead of in memory';
  const line = (on: boolean, assignment: string, what: string) =>
    on ? `# ${what}\n${assignment}\n` : `# ${what} (unset: embedded)\n# ${assignment}\n`;
  return `# Copy to .env (git-ignored) and edit; every variable is read and checked at start.
PORT=3000
HOST=127.0.0.1
# Development mode. With DEBUG=false, SECRET_KEY is required and ALLOWED_HOSTS should name your host.
DEBUG=true
# SECRET_KEY=<50+ random characters: node -e "console.log(require('node:crypto').randomBytes(48).toString('base64url'))">
# ALLOWED_HOSTS=app.example.com
${template === 'board' ? '# Database file, outbox, exports and backups.\n# DATA_DIR=data\n' : ''}${line(backends.redis, 'REDIS_URL=redis://127.0.0.1:6379', redis)}${line(
  backends.postgres,
  `DATABASE_URL=postgres://postgres@127.0.0.1:5432/${template === 'board' ? 'board' : 'app'}`,
  postgres,
)}`;
}
