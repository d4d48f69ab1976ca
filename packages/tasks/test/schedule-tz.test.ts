import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, inject, it } from 'vitest';

// A schedule without `tz` runs in UTC (as the README says) on every backend, whatever the TZ of
// the process that declares it or runs its ticks. Each case runs a real backend in a child
// process with that TZ (test/fixtures/schedule-backends.mjs, on the built package).
const fixture = fileURLToPath(new URL('./fixtures/schedule-backends.mjs', import.meta.url));
const redisUrl = inject('redisUrl');
const postgresUrl = inject('postgresUrl');
const dir = mkdtempSync(join(tmpdir(), 'adv-tasks-tz-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Listed {
  before: number;
  after: number;
  schedules: { id: string; spec: { cron: string; tz?: string }; next: number }[];
  following?: { first: number; next: number };
}

async function runIn(zone: string, backend: string): Promise<Listed> {
  const env: Record<string, string> = { ...(process.env as Record<string, string>), TZ: zone, BACKEND: backend };
  if (backend === 'sqlite') env.SQLITE_FILE = join(dir, `${randomUUID()}.db`);
  if (backend === 'postgres') {
    env.DATABASE_URL = postgresUrl as string;
    env.SCHEMA = `tz_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
  }
  if (backend === 'bullmq') {
    env.REDIS_URL = redisUrl as string;
    env.QUEUE = `tz-${randomUUID()}`;
  }
  const child = spawn(process.execPath, [fixture], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.on('data', (chunk) => {
    out += chunk;
  });
  child.stderr.on('data', (chunk) => {
    err += chunk;
  });
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new Error(`${backend} child (TZ=${zone}) exited with ${code}:\n${err}`);
  return JSON.parse(out) as Listed;
}

const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const utc = (ms: number) => new Date(ms).toISOString().slice(11, 19);

const BACKENDS = ['memory', 'sqlite', ...(postgresUrl ? ['postgres'] : []), ...(redisUrl ? ['bullmq'] : [])];
const ZONES = ['America/New_York', 'Asia/Kolkata', 'Australia/Lord_Howe', 'Pacific/Chatham'];

describe.each(BACKENDS)('%s backend: schedules without tz run in UTC', { timeout: 60_000 }, (backend) => {
  it.each(ZONES)('in a process with TZ=%s', async (zone) => {
    const { before, after, schedules, following } = await runIn(zone, backend);
    const next = Object.fromEntries(schedules.map((s) => [s.id, s.next]));
    // The specs come back as declared: no tz added, the nickname kept as written.
    expect(schedules.find((s) => s.id === 'weekly')?.spec).toEqual({ cron: '@WEEKLY' });
    expect(schedules.find((s) => s.id === 'hourly')?.spec).toEqual({ cron: '0 * * * *' });

    expect(utc(next.hourly!)).toMatch(/^\d\d:00:00$/);
    expect(next.hourly!).toBeGreaterThan(before);
    expect(next.hourly!).toBeLessThanOrEqual(after + HOUR);

    expect(utc(next['daily-0230']!)).toBe('02:30:00');
    expect(next['daily-0230']!).toBeGreaterThan(before);
    expect(next['daily-0230']!).toBeLessThanOrEqual(after + DAY);

    for (const id of ['midnight', 'daily']) {
      expect(utc(next[id]!), id).toBe('00:00:00');
      expect(next[id]!, id).toBeGreaterThan(before);
      expect(next[id]!, id).toBeLessThanOrEqual(after + DAY);
    }
    expect(new Date(next.weekly!).getUTCDay()).toBe(0);
    expect(utc(next.weekly!)).toBe('00:00:00');
    expect(next.weekly!).toBeLessThanOrEqual(after + 7 * DAY);

    if (backend === 'bullmq') {
      // The tick after the one the worker ran (computed by the worker's repeat strategy).
      expect(following!.first).toBe(next['daily-0230']);
      expect(following!.next).toBe(following!.first + DAY);
    }
  });
});
