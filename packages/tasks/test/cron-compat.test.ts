import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { DIFFERENCE_VECTORS, NEXT_VECTORS, type NextVector, SYNTAX_VECTORS } from './cron/vectors.js';

// croner's and cron-parser's own cases (test/cron/vectors.ts), run through the schedule
// computation of every backend in child processes whose TZ is each of these: a schedule's
// instants must not depend on the zone of the process computing them.
const PROCESS_ZONES = [
  'UTC',
  'America/New_York',
  'Asia/Kolkata',
  'Australia/Lord_Howe',
  'Australia/Sydney',
  'Europe/Athens',
  'Pacific/Chatham',
];
/** `getTimezoneOffset()` in each zone on 2025-01-15 and 2025-07-15: proves the child's TZ took effect. */
const OFFSETS: Record<string, [number, number]> = {
  UTC: [0, 0],
  'America/New_York': [300, 240],
  'Asia/Kolkata': [-330, -330],
  'Australia/Lord_Howe': [-660, -630],
  'Australia/Sydney': [-660, -600],
  'Europe/Athens': [-120, -180],
  'Pacific/Chatham': [-825, -765],
};
const ENGINES = ['memory/sqlite/postgres', 'bullmq'] as const;
const fixture = fileURLToPath(new URL('./fixtures/cron-vectors.mjs', import.meta.url));
const built = fileURLToPath(new URL('../dist/bullmq/repeat.js', import.meta.url));
if (!existsSync(built)) throw new Error(`${built} is missing: run \`npx tsc -p packages/tasks\` before these tests`);

type Computed = Record<(typeof ENGINES)[number], string[] | { refused: string }>;
interface ChildResult {
  zone: string;
  offsets: [number, number];
  next: Computed[];
  syntax: boolean[];
  differences: Computed[];
}

async function runIn(zone: string): Promise<ChildResult> {
  const child = spawn(process.execPath, [fixture], { env: { ...process.env, TZ: zone }, stdio: 'pipe' });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr.on('data', (chunk) => {
    err += chunk;
  });
  child.stdin.end(JSON.stringify({ next: NEXT_VECTORS, syntax: SYNTAX_VECTORS, differences: DIFFERENCE_VECTORS }));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`vector child (TZ=${zone}) exited with ${code}:\n${err}`);
  return JSON.parse(out) as ChildResult;
}

const wallClock = (instant: string, zone: string) =>
  new Intl.DateTimeFormat('sv-SE', {
    timeZone: zone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(instant));

/** An expected time as written in a vector: an instant (`…Z`) or a wall-clock time in the spec's zone. */
const asWritten = (actual: string, expected: string, zone: string) =>
  expected.endsWith('Z') ? new Date(actual).toISOString() : wallClock(actual, zone);
const normalised = (expected: string) => (expected.endsWith('Z') ? new Date(expected).toISOString() : expected);

function expectTimes(computed: Computed, expected: string[], vector: Pick<NextVector, 'tz'>) {
  for (const engine of ENGINES) {
    const times = computed[engine];
    expect(times, engine).toBeInstanceOf(Array);
    const zone = vector.tz ?? 'UTC';
    expect(
      (times as string[]).map((time, i) => asWritten(time, expected[i]!, zone)),
      engine,
    ).toEqual(expected.map(normalised));
  }
}

describe.each(PROCESS_ZONES)('cron reference vectors, process TZ=%s', { timeout: 60_000 }, (zone) => {
  let result: ChildResult;
  // A generous bound: the child computes a few thousand fire times, on a machine that may be busy.
  beforeAll(async () => {
    result = await runIn(zone);
  }, 120_000);

  it('runs the child in that zone', () => {
    expect(result.offsets).toEqual(OFFSETS[zone]);
  });

  it.each(NEXT_VECTORS.map((vector, index) => [vector.source, vector.cron, index] as const))(
    'fire times: %s `%s`',
    (_source, _cron, index) => {
      const vector = NEXT_VECTORS[index]!;
      expectTimes(result.next[index]!, vector.next, vector);
    },
  );

  it.each(SYNTAX_VECTORS.map((vector, index) => [vector.source, vector.cron, index] as const))(
    'syntax: %s `%s`',
    (_source, _cron, index) => {
      expect(result.syntax[index]).toBe(SYNTAX_VECTORS[index]!.accepted);
    },
  );

  it.each(DIFFERENCE_VECTORS.map((vector, index) => [vector.source, vector.cron, index] as const))(
    'deliberate difference: %s `%s`',
    (_source, _cron, index) => {
      const vector = DIFFERENCE_VECTORS[index]!;
      const computed = result.differences[index]!;
      if (vector.ours === 'refused') {
        for (const engine of ENGINES) expect(computed[engine], engine).toHaveProperty('refused');
      } else {
        expectTimes(computed, vector.ours, vector);
      }
    },
  );
});
