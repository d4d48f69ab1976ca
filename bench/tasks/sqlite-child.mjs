// The worker process of the cross-process SQLite bench: runs `count` no-op tasks enqueued by the
// parent and prints each one's enqueue-to-start latency (ms, on the shared wall clock) as JSON.
import { createTaskApp, startWorker } from '@adv/tasks';
import { sqliteBackend } from '@adv/tasks/sqlite';

const now = () => performance.timeOrigin + performance.now();
const [filename, count, watch] = process.argv.slice(2);
const latencies = [];
const app = createTaskApp({ backend: sqliteBackend({ filename, watch: watch === 'true' }) });
app.defineTask('noop', ({ sentAt }) => {
  latencies.push(now() - sentAt);
  if (latencies.length === Number(count)) {
    process.stdout.write(`${JSON.stringify(latencies)}\n`);
    void worker.close().then(() => process.exit(0));
  }
});
// startWorker keeps the process alive while idle (the backend's own timers do not).
const worker = await startWorker({ app, concurrency: 16 });
process.stdout.write('ready\n');
