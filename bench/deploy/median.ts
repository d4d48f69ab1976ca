import { measureOps, percentile } from '../lib/ops.js';

/**
 * This machine is shared and noisy, and tinybench's first task pays for warm-up: run a warm-up
 * round, then several rounds with the task order rotated, and keep each contender's median.
 */
export async function medianOps(tasks: Record<string, () => unknown>, quick: boolean): Promise<Record<string, number>> {
  const names = Object.keys(tasks);
  await measureOps(tasks, { quick: true });
  const samples: Record<string, number[]> = Object.fromEntries(names.map((n) => [n, []]));
  const rounds = quick ? 1 : 5;
  for (let round = 0; round < rounds; round++) {
    const order = [...names.slice(round % names.length), ...names.slice(0, round % names.length)];
    const result = await measureOps(Object.fromEntries(order.map((n) => [n, tasks[n] as () => unknown])), { quick });
    for (const n of names) samples[n]?.push(result[n] ?? Number.NaN);
  }
  return Object.fromEntries(names.map((n) => [n, percentile(samples[n] ?? [], 50)]));
}
