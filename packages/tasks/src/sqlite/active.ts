import type { TaskError } from '../errors.js';
import type { ActiveJob, JobData } from '../types.js';
import type { ClaimedRow } from './store.js';

/** A job this process runs: its claim, and its AbortSignal once someone asked for it. */
export class Running {
  readonly row: ClaimedRow;
  controller: AbortController | undefined;
  aborted = false;
  reason: TaskError | undefined;

  constructor(row: ClaimedRow) {
    this.row = row;
  }

  abort(reason: TaskError): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}

/** A job as the processor sees it; its AbortSignal is created on first use only (most handlers never read it). */
export class SqliteActiveJob implements ActiveJob {
  readonly id: string;
  readonly data: JobData;
  readonly attemptsMade: number;
  readonly attempts: number;
  readonly #running: Running;

  constructor(running: Running) {
    const { row } = running;
    this.#running = running;
    this.id = row.id;
    this.data = JSON.parse(row.data) as JobData;
    this.attemptsMade = row.attempts_made;
    this.attempts = row.attempts;
  }

  get signal(): AbortSignal {
    const running = this.#running;
    if (!running.controller) {
      running.controller = new AbortController();
      if (running.aborted) running.controller.abort(running.reason);
    }
    return running.controller.signal;
  }

  get aborted(): boolean {
    return this.#running.aborted;
  }
}
