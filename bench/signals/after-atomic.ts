import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { percentile } from '../lib/ops.js';

const child = fileURLToPath(new URL('./promise-work.mjs', import.meta.url));

/** One fresh process: ns of CPU per iteration of the promise-heavy work (see promise-work.mjs). */
function once(mode: string, from: string | undefined): number {
  const args = [child, mode, ...(from === undefined ? [] : [from])];
  const out = execFileSync(process.execPath, args, { encoding: 'utf8' });
  return (JSON.parse(out) as { nsPerIteration: number }).nsPerIteration;
}

/**
 * Interleaved rounds of fresh processes, each case once per round in rotating order. Cases are
 * `[label, mode, module]`. Returns each label's samples (ns of CPU per iteration).
 */
export function measureAfterAtomic(
  cases: readonly (readonly [label: string, mode: 'none' | 'after', from: string | undefined])[],
  rounds: number,
): Record<string, number[]> {
  const samples: Record<string, number[]> = Object.fromEntries(cases.map(([label]) => [label, []]));
  for (let round = 0; round < rounds; round++) {
    for (let index = 0; index < cases.length; index++) {
      const [label, mode, from] = cases[(index + round) % cases.length]!;
      samples[label]!.push(once(mode, from));
    }
  }
  return samples;
}

/** `median (min–max)` of samples, in ns. */
export function summary(values: readonly number[]): string {
  return `${percentile(values, 50).toFixed(0)} ns (${Math.min(...values).toFixed(0)}–${Math.max(...values).toFixed(0)})`;
}

// A/B by hand: `npx tsx signals/after-atomic.ts <other build's dist/index.js> [rounds]` compares
// the built package with another build (e.g. a copy of dist from before a change).
if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const other = process.argv[2];
  const rounds = Number(process.argv[3] ?? 9);
  const load = () =>
    loadavg()
      .map((value) => value.toFixed(2))
      .join(' ');
  console.log(`load before: ${load()}`);
  const cases = [
    ['no transaction ran', 'none', undefined],
    ['after one atomic(), this build', 'after', undefined],
    ...(other === undefined ? [] : [['after one atomic(), other build', 'after', other] as const]),
  ] as const;
  const samples = measureAfterAtomic(cases, rounds);
  for (const [label] of cases) console.log(`${label.padEnd(34)} ${summary(samples[label]!)} per iteration`);
  console.log(`load after: ${load()}`);
}
