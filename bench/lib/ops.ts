import { Bench } from 'tinybench';

/**
 * Measures each function's throughput in ops/s with tinybench, interleaving nothing: all
 * tasks run in one process, one after the other, with warm-up, so they see the same machine.
 */
export async function measureOps(
  tasks: Record<string, () => unknown>,
  options: { quick: boolean; time?: number },
): Promise<Record<string, number>> {
  const bench = new Bench({ time: options.time ?? (options.quick ? 200 : 1000), warmupTime: options.quick ? 50 : 200 });
  for (const [name, fn] of Object.entries(tasks)) bench.add(name, fn);
  await bench.run();
  const results: Record<string, number> = {};
  for (const task of bench.tasks) {
    // tinybench reports ops/s as `hz` (older result shape) or `throughput.mean` (newer).
    const result = task.result as { hz?: number; throughput?: { mean: number } } | undefined;
    results[task.name] = result?.throughput?.mean ?? result?.hz ?? Number.NaN;
  }
  return results;
}

/** Latency percentile (0-100) of a list of durations in ms. */
export function percentile(samples: readonly number[], p: number): number {
  if (samples.length === 0) return Number.NaN;
  const sorted = [...samples].sort((a, b) => a - b);
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index]!;
}
