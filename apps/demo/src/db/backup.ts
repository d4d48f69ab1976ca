import { copyFileSync, cpSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import { MIGRATIONS, pendingMigrations } from './migrations.js';
import { DatabaseError, type SqlDatabase } from './sql.js';
import { SqliteDatabase } from './sqlite.js';

/** One backup file. */
export interface BackupFile {
  file: string;
  /** When it was taken (from its name). */
  at: Date;
  bytes: number;
  /** The copy of the media files (MEDIA_ROOT) taken with it, or `undefined` when there is none. */
  media?: string | undefined;
  /** How many media files that copy holds. */
  mediaFiles?: number | undefined;
}

/** The media folder that goes with the database backup `file` (`board-<stamp>.media`). */
export const mediaBackupOf = (file: string) => file.replace(/\.sqlite3$/, '.media');

/** Number of files under `dir`, recursively. */
function countFiles(dir: string): number {
  if (!existsSync(dir)) return 0;
  return readdirSync(dir, { recursive: true, withFileTypes: true }).filter((entry) => entry.isFile()).length;
}

/**
 * Copies the media files under `root` to `target` (under a temporary name, renamed at the end);
 * temporary files of uploads still being written (`.name.uuid.tmp`, dot files) are left out.
 */
function copyMedia(root: string, target: string): number {
  const partial = `${target}.part`;
  rmSync(partial, { recursive: true, force: true });
  mkdirSync(partial, { recursive: true });
  if (existsSync(root)) {
    cpSync(root, partial, {
      recursive: true,
      filter: (source) =>
        !source
          .slice(root.length)
          .split(/[\\/]/)
          .some((segment) => segment.startsWith('.')),
    });
  }
  rmSync(target, { recursive: true, force: true });
  renameSync(partial, target);
  return countFiles(target);
}

const NAME = /^board-(\d{8}T\d{6}(?:\d{3})?Z)\.sqlite3$/;

const stamp = (date: Date) => date.toISOString().replace(/[-:]/g, '').replace('.', '');
const parseStamp = (text: string) =>
  new Date(
    `${text.slice(0, 4)}-${text.slice(4, 6)}-${text.slice(6, 8)}T${text.slice(9, 11)}:${text.slice(11, 13)}:${text.slice(13, 15)}.${text.slice(15, 18) || '000'}Z`,
  );

/** Backups in `dir`, newest first. */
export function listBackups(dir: string): BackupFile[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir)
    .map((name) => ({ name, match: NAME.exec(name) }))
    .filter((entry) => entry.match !== null)
    .map(({ name, match }) => {
      const file = join(dir, name);
      const media = existsSync(mediaBackupOf(file)) ? mediaBackupOf(file) : undefined;
      return { file, at: parseStamp(match![1]!), bytes: statSync(file).size, media };
    })
    .sort((a, b) => b.at.getTime() - a.at.getTime());
}

/**
 * Takes a consistent online backup with `VACUUM INTO`: one read transaction, so the copy is a
 * single committed snapshot, and in WAL mode other processes keep writing meanwhile (SQLite's
 * page-by-page backup API restarts whenever another connection writes, so under steady writes
 * it may never finish). Then keeps the newest `keep` files. Written under a temporary name and
 * renamed, so a crash never leaves a half backup that looks complete.
 *
 * With `mediaRoot` (MEDIA_ROOT of disk storage) the media files are copied to
 * `board-<stamp>.media/` beside it, after the snapshot: files are only ever added under new
 * names, so every image the snapshot refers to is in the copy. Media in S3 are not copied (turn
 * on the bucket's versioning or replication instead).
 *
 * SQLite only: a PostgreSQL server is backed up by its own tools (`pg_dump`, pgBackRest, a
 * provider's point-in-time recovery), which this throws a {@link DatabaseError} to say.
 */
export async function backupDatabase(
  db: SqlDatabase,
  dir: string,
  options: { keep: number; now?: Date; mediaRoot?: string | undefined },
): Promise<BackupFile> {
  if (!Number.isInteger(options.keep) || options.keep < 1) {
    throw new TypeError(
      `Expected \`keep\` to be an integer from 1 and up, got \`${options.keep}\` (${typeof options.keep})`,
    );
  }
  if (!(db instanceof SqliteDatabase)) {
    throw new DatabaseError(
      `The backup task copies the embedded SQLite file; ${db.description} is a PostgreSQL server: back it up with pg_dump, pgBackRest or your provider's point-in-time recovery`,
    );
  }
  mkdirSync(dir, { recursive: true });
  const at = options.now ?? new Date();
  const file = join(dir, `board-${stamp(at)}.sqlite3`);
  const partial = `${file}.part`;
  rmSync(partial, { force: true });
  await db.run('VACUUM INTO ?', [partial]);
  renameSync(partial, file);
  const mediaFiles = options.mediaRoot === undefined ? undefined : copyMedia(options.mediaRoot, mediaBackupOf(file));
  for (const old of listBackups(dir).slice(options.keep)) {
    rmSync(old.file, { force: true });
    rmSync(mediaBackupOf(old.file), { recursive: true, force: true });
  }
  return {
    file,
    at,
    bytes: statSync(file).size,
    ...(mediaFiles === undefined ? {} : { media: mediaBackupOf(file), mediaFiles }),
  };
}

/**
 * Copies the database at `target` to `<target>.before-restore`, with the commits still in its
 * WAL file (a process that crashed leaves them there): they are checkpointed into the main file
 * first. A file SQLite cannot open is kept as it is, with its `-wal` beside it.
 */
function keepPrevious(target: string): void {
  const kept = `${target}.before-restore`;
  try {
    const db = new BetterSqlite3(target, { fileMustExist: true });
    try {
      db.pragma('wal_checkpoint(TRUNCATE)');
    } finally {
      db.close();
    }
  } catch {
    if (existsSync(`${target}-wal`)) copyFileSync(`${target}-wal`, `${kept}-wal`);
  }
  copyFileSync(target, kept);
}

/** Thrown by {@link restoreBackup} when a file is not a usable backup of this app. */
export class RestoreError extends Error {
  override readonly name = 'RestoreError';
}

/** Puts the media copy `source` in place of `root`, keeping the current files as `<root>.before-restore`. */
function restoreMedia(source: string, root: string): number {
  const kept = `${root}.before-restore`;
  rmSync(kept, { recursive: true, force: true });
  if (existsSync(root)) renameSync(root, kept);
  cpSync(source, root, { recursive: true });
  return countFiles(root);
}

/**
 * Restores `backup` over the database at `target` (stop the app first): checks the backup's
 * integrity and schema, keeps the current database as `<target>.before-restore`, drops stale
 * WAL files, then copies the backup in place. With `mediaRoot`, the media copy taken with the
 * backup (if any) replaces MEDIA_ROOT, whose files are kept as `<mediaRoot>.before-restore`.
 */
export async function restoreBackup(
  backup: string,
  target: string,
  options: { mediaRoot?: string | undefined } = {},
): Promise<{ rows: { articles: number; comments: number }; mediaFiles?: number }> {
  if (!existsSync(backup)) throw new RestoreError(`No backup at \`${backup}\``);
  let rows: { articles: number; comments: number };
  try {
    const check = new SqliteDatabase(backup, { readonly: true });
    try {
      const integrity = check.native.pragma('integrity_check', { simple: true });
      if (integrity !== 'ok')
        throw new RestoreError(`\`${basename(backup)}\` failed the integrity check: ${String(integrity)}`);
      const unknown = (await pendingMigrations(check, MIGRATIONS)).length === MIGRATIONS.length;
      if (unknown)
        throw new RestoreError(`\`${basename(backup)}\` is not a database of this app (no migrations recorded)`);
      const count = async (table: string) => (await check.get<{ n: number }>(`SELECT COUNT(*) AS n FROM ${table}`))!.n;
      rows = { articles: await count('articles'), comments: await count('comments') };
    } finally {
      await check.close();
    }
  } catch (error) {
    if (error instanceof RestoreError) throw error;
    throw new RestoreError(
      `\`${basename(backup)}\` is not a readable SQLite database: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
  if (existsSync(target)) keepPrevious(target);
  for (const suffix of ['-wal', '-shm']) rmSync(`${target}${suffix}`, { force: true });
  copyFileSync(backup, target);
  const media = mediaBackupOf(backup);
  if (options.mediaRoot === undefined || media === backup || !existsSync(media)) return { rows };
  return { rows, mediaFiles: restoreMedia(media, options.mediaRoot) };
}
