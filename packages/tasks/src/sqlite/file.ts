import { existsSync, statSync } from 'node:fs';
import { TaskError } from '../errors.js';
import { type Connection, openConnection } from './connection.js';
import { ScheduleStore } from './schedules.js';
import { JobStore } from './store.js';

/** The open connection with the statements of one queue. */
export interface Open {
  db: Connection;
  jobs: JobStore;
  schedules: ScheduleStore;
}

/**
 * The backend's connection to its file, opened on first use (and again after a failed open: the
 * file may be fixed meanwhile). Each use first checks that the file is still the one opened (one
 * `stat`): SQLite would go on writing into a deleted file, and every job written there would be
 * lost at close. A file deleted while open is never replaced by an empty one.
 */
export class TaskFile {
  readonly #filename: string;
  readonly #queue: string;
  readonly #synchronous: 'normal' | 'full';
  /** Called after each open; returns what to call when the connection is dropped. */
  readonly #onOpen: () => () => void;
  #open: Open | undefined;
  #onDrop: (() => void) | undefined;
  /** The file's inode when opened: another one (or none) means it was deleted or replaced under us. */
  #inode: number | undefined;
  /** The file disappeared while open: do not create an empty one in its place. */
  #lost = false;

  constructor(filename: string, queue: string, synchronous: 'normal' | 'full', onOpen: () => () => void) {
    this.#filename = filename;
    this.#queue = queue;
    this.#synchronous = synchronous;
    this.#onOpen = onOpen;
  }

  /** The open connection, if any, without opening or checking anything. */
  get current(): Open | undefined {
    return this.#open;
  }

  /** The open connection to the file as it is now; throws (SQLite's error, or `ERR_BACKEND`) when it cannot be had. */
  connect(): Open {
    if (this.#open) {
      if (this.#currentInode() === this.#inode) return this.#open;
      this.drop();
      if (!existsSync(this.#filename)) this.#lost = true;
    }
    if (this.#lost && !existsSync(this.#filename)) {
      throw new TaskError(
        'ERR_BACKEND',
        `The SQLite task database \`${this.#filename}\` was deleted while open: nothing is written until it is back (restore it from a backup; an empty file is not created in its place)`,
      );
    }
    const db = openConnection(this.#filename, this.#synchronous);
    this.#lost = false;
    this.#inode = this.#currentInode();
    this.#open = { db, jobs: new JobStore(db, this.#queue), schedules: new ScheduleStore(db, this.#queue) };
    this.#onDrop = this.#onOpen();
    return this.#open;
  }

  /** Closes the connection (the file went away, or the backend closes); the next `connect` opens it again. */
  drop(): void {
    this.#onDrop?.();
    this.#onDrop = undefined;
    try {
      this.#open?.db.close();
    } catch {
      // closing a connection to a vanished file can fail: it is dropped either way
    }
    this.#open = undefined;
  }

  #currentInode(): number | undefined {
    try {
      return statSync(this.#filename).ino;
    } catch {
      return undefined;
    }
  }
}
