/** One measurement of ours beside the peer's, taken in the same process and run. */
export interface BenchRow {
  /** Package or area, e.g. `cache`. */
  suite: string;
  /** What was measured, e.g. `memory get (hit)`. */
  case: string;
  /** The unit of both values, e.g. `ops/s`, `ms p99`, `factory calls`. */
  unit: string;
  /** Whether a larger value is better (ops/s) or worse (latency). */
  higherIsBetter: boolean;
  ours: { name: string; value: number };
  peer: { name: string; value: number };
  /** Optional note, e.g. the goal the issue set. */
  note?: string;
}

/** A benchmark module under bench/<suite>/index.ts exports `run`. */
export type BenchModule = { run(options: { quick: boolean }): Promise<BenchRow[]> };

/** ours / peer, oriented so that > 1 always means "ours is better". */
export function advantage(row: BenchRow): number {
  const { ours, peer } = row;
  if (ours.value === 0 || peer.value === 0) return Number.NaN;
  return row.higherIsBetter ? ours.value / peer.value : peer.value / ours.value;
}

function formatValue(value: number): string {
  if (!Number.isFinite(value)) return String(value);
  if (Math.abs(value) >= 1000) return Math.round(value).toLocaleString('en-US');
  return value.toFixed(value >= 100 ? 0 : 2);
}

/** Renders all rows as one markdown table. */
export function toMarkdown(rows: readonly BenchRow[]): string {
  const lines = [
    '| suite | case | unit | ours | value | peer | value | ours vs peer |',
    '|---|---|---|---|---:|---|---:|---:|',
  ];
  for (const row of rows) {
    const ratio = advantage(row);
    lines.push(
      `| ${row.suite} | ${row.case} | ${row.unit} | ${row.ours.name} | ${formatValue(row.ours.value)} | ${row.peer.name} | ${formatValue(row.peer.value)} | ${Number.isNaN(ratio) ? 'n/a' : `${ratio.toFixed(2)}x`}${row.note ? ` (${row.note})` : ''} |`,
    );
  }
  return lines.join('\n');
}
