import type { Cache } from '@adv/cache';
import { createTaskApp, type TaskBackend } from '@adv/tasks';
import type { AppSettings } from './settings.js';

/** The app's background tasks: one, `greet`, counting the hellos in the cache. */
export async function createTasks(settings: AppSettings, cache: Cache) {
  let backend: TaskBackend | undefined; // in-process (memory) unless DATABASE_URL is set
  if (settings.DATABASE_URL) {
    const { postgresBackend } = await import('@adv/tasks/postgres');
    backend = postgresBackend({ connectionString: settings.DATABASE_URL });
  }
  const app = createTaskApp({ backend });
  const greet = app.defineTask(
    'greet',
    async ({ name }: { name: string }) => {
      const count = await cache.incr('greetings');
      return { greeted: name, count };
    },
    { attempts: 3, timeLimit: 10_000 },
  );
  return { app, greet };
}
