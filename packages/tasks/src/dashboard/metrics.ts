import type { TaskApp } from '../app.js';
import type { TaskEventMap } from '../runner.js';

/** Completed and failed jobs in one minute. */
export interface MinuteCounts {
  /** Start of the minute, ms since epoch. */
  minute: number;
  completed: number;
  failed: number;
}

/** Numbers of one task, from the jobs this process ran since the dashboard started. */
export interface TaskSummary {
  name: string;
  runs: number;
  completed: number;
  failures: number;
  retries: number;
  /** Median handler duration in ms (of the last {@link DURATION_SAMPLES} successful runs). */
  p50?: number;
  p95?: number;
}

const MINUTE = 60_000;
/** Minutes kept in the ring (the charts show the last hour). */
export const RING_MINUTES = 60;
/** Durations kept per task for the percentiles. */
export const DURATION_SAMPLES = 1000;
/** Stacks of recent failures kept (backends store name, message and code only). */
const STACKS_KEPT = 500;

interface TaskCounters {
  runs: number;
  completed: number;
  failures: number;
  retries: number;
  durations: number[];
  next: number;
}

/**
 * Per-minute counts and per-task numbers fed by a {@link TaskApp}'s events: a fixed ring of 60
 * minute slots (constant memory, O(1) per event) plus a bounded sample of durations per task.
 */
export class DashboardMetrics {
  readonly #ring: MinuteCounts[] = Array.from({ length: RING_MINUTES }, () => ({
    minute: -1,
    completed: 0,
    failed: 0,
  }));
  readonly #tasks = new Map<string, TaskCounters>();
  readonly #stacks = new Map<string, string>();
  readonly #detach: () => void;
  readonly #now: () => number;

  constructor(app: TaskApp, now: () => number = Date.now) {
    this.#now = now;
    const onActive = ({ name }: TaskEventMap['active'][0]) => {
      this.#task(name).runs++;
    };
    const onCompleted = ({ name, duration }: TaskEventMap['completed'][0]) => {
      const counters = this.#task(name);
      counters.completed++;
      if (counters.durations.length < DURATION_SAMPLES) counters.durations.push(duration);
      else counters.durations[counters.next] = duration;
      counters.next = (counters.next + 1) % DURATION_SAMPLES;
      this.#slot().completed++;
    };
    const onRetrying = ({ name }: TaskEventMap['retrying'][0]) => {
      this.#task(name).retries++;
    };
    const onFailed = ({ id, name, error }: TaskEventMap['failed'][0]) => {
      this.#task(name).failures++;
      this.#slot().failed++;
      if (error instanceof Error && typeof error.stack === 'string') {
        this.#stacks.delete(id);
        this.#stacks.set(id, error.stack);
        if (this.#stacks.size > STACKS_KEPT) this.#stacks.delete(this.#stacks.keys().next().value as string);
      }
    };
    app.on('active', onActive);
    app.on('completed', onCompleted);
    app.on('retrying', onRetrying);
    app.on('failed', onFailed);
    this.#detach = () => {
      app.off('active', onActive);
      app.off('completed', onCompleted);
      app.off('retrying', onRetrying);
      app.off('failed', onFailed);
    };
  }

  /** The last hour, oldest minute first, one entry per minute (zeros where nothing ran). */
  lastHour(): MinuteCounts[] {
    const current = Math.floor(this.#now() / MINUTE);
    const out: MinuteCounts[] = [];
    for (let m = current - RING_MINUTES + 1; m <= current; m++) {
      const slot = this.#ring[slotOf(m)]!;
      out.push(slot.minute === m ? { ...slot, minute: m * MINUTE } : { minute: m * MINUTE, completed: 0, failed: 0 });
    }
    return out;
  }

  /** Every task seen since the dashboard started, by name. */
  tasks(): TaskSummary[] {
    return [...this.#tasks.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([name, c]) => {
        const sorted = [...c.durations].sort((a, b) => a - b);
        return {
          name,
          runs: c.runs,
          completed: c.completed,
          failures: c.failures,
          retries: c.retries,
          ...(sorted.length === 0 ? {} : { p50: percentile(sorted, 0.5), p95: percentile(sorted, 0.95) }),
        };
      });
  }

  /** The stack of a job that failed in this process, when still kept. */
  stack(id: string): string | undefined {
    return this.#stacks.get(id);
  }

  /** Stops listening to the app. */
  close(): void {
    this.#detach();
  }

  #task(name: string): TaskCounters {
    let counters = this.#tasks.get(name);
    if (!counters) {
      counters = { runs: 0, completed: 0, failures: 0, retries: 0, durations: [], next: 0 };
      this.#tasks.set(name, counters);
    }
    return counters;
  }

  #slot(): MinuteCounts {
    const minute = Math.floor(this.#now() / MINUTE);
    const slot = this.#ring[slotOf(minute)]!;
    if (slot.minute !== minute) Object.assign(slot, { minute, completed: 0, failed: 0 });
    return slot;
  }
}

/** The ring index of a minute (non-negative for any minute, clocks before 1970 included). */
function slotOf(minute: number): number {
  return ((minute % RING_MINUTES) + RING_MINUTES) % RING_MINUTES;
}

/** Nearest-rank percentile of an ascending array. */
export function percentile(sorted: readonly number[], p: number): number {
  const rank = Math.max(1, Math.ceil(p * sorted.length));
  return sorted[rank - 1]!;
}
