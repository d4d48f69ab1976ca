/**
 * Set-up shared by the tests that run `adv-tasks worker` in child processes (BullMQ and
 * PostgreSQL): the built CLI, starting a worker on a fixture and stopping it.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { until } from './helpers.js';

/** The built CLI: the children run it, as users do (turbo builds before testing). */
export const cli = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** Throws when the CLI is not built, so a missing build reads as such and not as a timeout. */
export function requireBuiltCli(): void {
  if (!existsSync(cli)) throw new Error(`${cli} is missing: run \`npx tsc -p packages/tasks\` before these tests`);
}

export interface Child {
  process: ChildProcess;
  output: () => string;
}

/**
 * Starts `adv-tasks worker --module <fixture> --concurrency 2` with `env` added to this process's
 * environment, and waits (up to `timeout` ms) until it reports it is consuming.
 */
export async function startWorkerProcess(
  fixture: string,
  env: Record<string, string>,
  timeout: number,
): Promise<Child> {
  const child = spawn(process.execPath, [cli, 'worker', '--module', fixture, '--concurrency', '2'], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk;
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk;
  });
  await until(() => output.includes('worker started') || child.exitCode !== null, timeout);
  if (child.exitCode !== null) throw new Error(`worker exited early:\n${output}`);
  return { process: child, output: () => output };
}

/** Sends `signal` (SIGKILL by default) unless the child has exited, and resolves with its exit code. */
export async function stop(child: Child, signal: NodeJS.Signals = 'SIGKILL'): Promise<number | null> {
  if (child.process.exitCode !== null || child.process.signalCode !== null) return child.process.exitCode;
  const exited = once(child.process, 'exit');
  child.process.kill(signal);
  const [code] = (await exited) as [number | null];
  return code;
}
