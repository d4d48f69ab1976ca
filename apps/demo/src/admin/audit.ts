import type { Logger } from '@adv/types';

/** One admin action: who did what, when, from where, and how it ended. */
export interface AuditEntry {
  at: Date;
  /** `admin#<first 8 characters of the session id>`, or `anonymous` before a login. */
  who: string;
  /** What was attempted: `login`, `logout`, `backup`, `deploy-check`, `tasks: POST /failed/retry-all` … */
  action: string;
  outcome: 'ok' | 'refused' | 'failed';
  /** Free text: the backup file, the error, the reason for a refusal. */
  detail: string;
  /** The client key the rate limit uses (see `AdminAreaOptions.clientKey`). */
  client: string;
}

/**
 * The audit trail: every entry goes to the logger (`admin action`, level info; refusals and
 * failures at warn) and into a bounded in-memory list, newest first, that the audit page shows.
 * In memory per process: the logs are the durable record.
 */
export class AuditLog {
  readonly #entries: AuditEntry[] = [];

  constructor(
    readonly logger: Logger,
    readonly keep: number,
  ) {}

  record(entry: Omit<AuditEntry, 'at'>): AuditEntry {
    const full = { at: new Date(), ...entry };
    this.#entries.unshift(full);
    if (this.#entries.length > this.keep) this.#entries.length = this.keep;
    const fields = { admin: { who: full.who, action: full.action, outcome: full.outcome, client: full.client } };
    if (full.outcome === 'ok') this.logger.info({ ...fields, detail: full.detail }, 'admin action');
    else this.logger.warn({ ...fields, detail: full.detail }, 'admin action');
    return full;
  }

  /** The entries, newest first. */
  list(): readonly AuditEntry[] {
    return this.#entries;
  }
}
