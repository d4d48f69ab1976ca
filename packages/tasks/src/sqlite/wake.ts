import { type FSWatcher, watch } from 'node:fs';
import { basename, dirname } from 'node:path';

/** What a backend instance hears from the other instances on its file and queue in this process. */
export interface LocalPeer {
  /** A job was added (or became waiting again): a worker should look for work. */
  jobsAdded(): void;
  /** These jobs finished: `result()` waiters should read them. */
  jobsFinished(ids: readonly string[]): void;
}

/**
 * Backend instances of this process by file and queue. A job added through one instance wakes the
 * workers of all of them at once: no polling, no file event needed within one process.
 */
const peers = new Map<string, Set<LocalPeer>>();

export function joinPeers(key: string, peer: LocalPeer): () => void {
  let set = peers.get(key);
  if (!set) {
    set = new Set();
    peers.set(key, set);
  }
  set.add(peer);
  return () => {
    set.delete(peer);
    if (set.size === 0) peers.delete(key);
  };
}

export function notifyAdded(key: string): void {
  const set = peers.get(key);
  if (set) for (const peer of set) peer.jobsAdded();
}

export function notifyFinished(key: string, ids: readonly string[]): void {
  const set = peers.get(key);
  if (set) for (const peer of set) peer.jobsFinished(ids);
}

/**
 * Notices commits by other connections (other processes, or another connection of this one):
 * `PRAGMA data_version` changes exactly then, and reading it costs about a microsecond. It is read
 * when the database's directory reports a write to the file or its WAL (inotify, no polling), and
 * every `pollInterval` ms in case no event came (file systems that do not report them).
 */
export class ChangeObserver {
  readonly #filename: string;
  readonly #dataVersion: () => number;
  readonly #onChange: () => void;
  readonly #pollInterval: number;
  readonly #watch: boolean;
  #last = 0;
  #watcher: FSWatcher | undefined;
  #poll: NodeJS.Timeout | undefined;
  #checkQueued = false;

  constructor(options: {
    filename: string;
    dataVersion: () => number;
    onChange: () => void;
    pollInterval: number;
    watch: boolean;
  }) {
    this.#filename = options.filename;
    this.#dataVersion = options.dataVersion;
    this.#onChange = options.onChange;
    this.#pollInterval = options.pollInterval;
    this.#watch = options.watch;
  }

  get running(): boolean {
    return this.#poll !== undefined;
  }

  start(): void {
    if (this.#poll) return;
    try {
      this.#last = this.#dataVersion();
    } catch {
      // read again at the first check
    }
    this.#poll = setInterval(() => this.check(), this.#pollInterval);
    this.#poll.unref();
    if (this.#watch) this.#startWatch();
  }

  stop(): void {
    clearInterval(this.#poll);
    this.#poll = undefined;
    this.#watcher?.close();
    this.#watcher = undefined;
  }

  /** Reads `data_version`; calls `onChange` when another connection committed since the last read. */
  check(): void {
    let version: number;
    try {
      version = this.#dataVersion();
    } catch {
      return; // the database is unreadable now: the calls that need it report that
    }
    if (version === this.#last) return;
    this.#last = version;
    this.#onChange();
  }

  #startWatch(): void {
    const base = basename(this.#filename);
    try {
      // Not persistent: the watch never keeps the process alive by itself.
      const watcher = watch(dirname(this.#filename), { persistent: false }, (_event, name) => {
        if (name !== null && !name.startsWith(base)) return;
        if (this.#checkQueued) return; // one check per burst of writes
        this.#checkQueued = true;
        setImmediate(() => {
          this.#checkQueued = false;
          if (this.#poll) this.check();
        });
      });
      watcher.on('error', () => {
        watcher.close(); // the directory went away: polling goes on
        if (this.#watcher === watcher) this.#watcher = undefined;
      });
      this.#watcher = watcher;
    } catch {
      // no file events here: polling only
    }
  }
}
