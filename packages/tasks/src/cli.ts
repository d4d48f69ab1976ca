#!/usr/bin/env node
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { getDefaultApp, type TaskApp } from './app.js';
import { startWorker } from './worker.js';

const USAGE = `Usage: adv-tasks worker --module ./tasks.js [--concurrency 8] [--shutdown-timeout 30000]

The module defines tasks and exports the app as \`app\` (or default); without one, the tasks
defined with the top-level defineTask() run on the in-process app.`;

function isApp(value: unknown): value is TaskApp {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as TaskApp).process === 'function' &&
    'backend' in value
  );
}

function fail(message: string): never {
  process.stderr.write(`adv-tasks: ${message}\n\n${USAGE}\n`);
  process.exit(2);
}

async function main(argv: string[]): Promise<void> {
  let parsed: ReturnType<typeof parse>;
  const parse = () =>
    parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        module: { type: 'string', short: 'm' },
        concurrency: { type: 'string', short: 'c', default: '8' },
        'shutdown-timeout': { type: 'string', default: '30000' },
        help: { type: 'boolean', short: 'h' },
      },
    });
  try {
    parsed = parse();
  } catch (error) {
    fail((error as Error).message);
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  if (positionals[0] !== 'worker') fail(`unknown command \`${positionals[0] ?? ''}\``);
  if (!values.module) fail('`--module` is required');
  const concurrency = Number(values.concurrency);
  if (!Number.isInteger(concurrency) || concurrency < 1)
    fail(`Expected \`--concurrency\` to be an integer from 1 and up, got \`${values.concurrency}\``);
  const shutdownTimeout = Number(values['shutdown-timeout']);
  if (!Number.isInteger(shutdownTimeout) || shutdownTimeout < 0) {
    fail(`Expected \`--shutdown-timeout\` to be a non-negative integer of ms, got \`${values['shutdown-timeout']}\``);
  }
  const loaded = (await import(pathToFileURL(resolve(values.module)).href)) as Record<string, unknown>;
  const app = isApp(loaded.app) ? loaded.app : isApp(loaded.default) ? loaded.default : getDefaultApp();
  const worker = await startWorker({ app, concurrency, shutdownTimeout, logger: console });
  await worker.closed;
  process.exit(0);
}

main(process.argv.slice(2)).catch((error: unknown) => {
  process.stderr.write(`adv-tasks: ${(error as Error)?.stack ?? String(error)}\n`);
  process.exit(1);
});
