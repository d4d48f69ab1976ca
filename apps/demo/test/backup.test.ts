import { execFile, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDatabase, listBackups, mediaBackupOf, RestoreError, restoreBackup } from '../src/db/backup.js';
import { openDatabase } from '../src/db/database.js';
import { ArticleRepository, CommentRepository } from '../src/db/repositories.js';
import { fromRoot } from '../src/paths.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'adv-demo-backup-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('backups of the embedded database', () => {
  it('takes a consistent backup while another connection keeps writing, and restores every committed row', async () => {
    const file = join(dir, 'board.sqlite3');
    const db = await openDatabase({ file });
    const article = await new ArticleRepository(db).create({
      title: 't',
      body: 'b',
      authorName: 'A',
      authorEmail: 'a@example.com',
    });
    const comments = new CommentRepository(db);
    // Enough rows that the backup takes many steps.
    await db.atomic(async () => {
      for (let i = 0; i < 5000; i++)
        await comments.create({ articleId: article.id, authorName: 'x', body: `before ${i} ${'y'.repeat(200)}` });
    });
    const committedBefore = (await comments.forArticle(article.id)).length;

    // Another thread keeps writing through its own connection, as another process would, and
    // counts its commits in shared memory (readable while this thread is busy in the backup).
    const committed = new Int32Array(new SharedArrayBuffer(4));
    const writer = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const Database = require(workerData.driver);
       const db = new Database(workerData.file);
       db.pragma('busy_timeout = 5000');
       const insert = db.prepare('INSERT INTO comments (article_id, author_name, body, created_at) VALUES (?, ?, ?, ?)');
       let stop = false;
       parentPort.on('message', () => { stop = true; });
       const tick = () => {
         if (stop) { db.close(); parentPort.postMessage('stopped'); return; }
         insert.run(workerData.articleId, 'w', 'during ' + Atomics.load(workerData.committed, 0), new Date().toISOString());
         if (Atomics.add(workerData.committed, 0, 1) === 0) parentPort.postMessage('started');
         setImmediate(tick);
       };
       tick();`,
      {
        eval: true,
        workerData: {
          driver: createRequire(import.meta.url).resolve('better-sqlite3'),
          file,
          articleId: article.id,
          committed,
        },
      },
    );
    await once(writer, 'message'); // 'started'
    // Back up until a backup ran while the writer committed (nearly always the first one).
    let backup: Awaited<ReturnType<typeof backupDatabase>> | undefined;
    let atStart = 0;
    let overlapped = false;
    for (let attempt = 0; attempt < 20 && !overlapped; attempt++) {
      atStart = Atomics.load(committed, 0);
      backup = await backupDatabase(db, join(dir, 'backups'), { keep: 3 });
      overlapped = Atomics.load(committed, 0) > atStart;
    }
    writer.postMessage('stop');
    await once(writer, 'message'); // 'stopped'
    await writer.terminate();
    const written = Atomics.load(committed, 0);
    expect(overlapped).toBe(true);
    await db.close();

    const restoredFile = join(dir, 'restored.sqlite3');
    const { rows } = await restoreBackup(backup!.file, restoredFile);
    const restored = new BetterSqlite3(restoredFile, { readonly: true });
    expect(restored.pragma('integrity_check', { simple: true })).toBe('ok');
    const ids = restored.prepare('SELECT id FROM comments ORDER BY id').all() as { id: number }[];
    const bodies = restored.prepare("SELECT body FROM comments WHERE body LIKE 'during %' ORDER BY id").all() as {
      body: string;
    }[];
    restored.close();
    // Every row committed before the backup began is there, and what came during it is a
    // gap-free prefix (one snapshot, never half a transaction).
    expect(ids.length).toBeGreaterThanOrEqual(committedBefore + atStart);
    expect(ids.length).toBeLessThanOrEqual(committedBefore + written);
    expect(ids.every((row, index) => row.id === index + 1)).toBe(true);
    expect(bodies.map((row) => row.body)).toEqual(bodies.map((_, i) => `during ${i}`));
    expect(rows.comments).toBe(ids.length);
  });

  it('keeps only the newest backups', async () => {
    const db = await openDatabase({ file: join(dir, 'board.sqlite3') });
    const backups = join(dir, 'backups');
    for (let i = 0; i < 5; i++)
      await backupDatabase(db, backups, { keep: 2, now: new Date(Date.UTC(2026, 0, 1, 0, i)) });
    await db.close();
    const kept = listBackups(backups);
    expect(kept.map((b) => b.at.toISOString())).toEqual(['2026-01-01T00:04:00.000Z', '2026-01-01T00:03:00.000Z']);
  });

  it('copies the media files with the database, restores them, and keeps the replaced ones', async () => {
    const file = join(dir, 'board.sqlite3');
    const media = join(dir, 'media');
    mkdirSync(join(media, 'uploads'), { recursive: true });
    mkdirSync(join(media, 'thumbnails'), { recursive: true });
    writeFileSync(join(media, 'uploads', 'a.png'), 'image a');
    writeFileSync(join(media, 'thumbnails', 'a.webp'), 'thumbnail a');
    // An upload being written (diskStorage's temporary name): not part of the backup.
    writeFileSync(join(media, 'uploads', '.tmp-123'), 'half');
    const db = await openDatabase({ file });
    await new ArticleRepository(db).create({
      title: 'with image',
      body: 'b',
      authorName: 'A',
      authorEmail: 'a@example.com',
      image: 'uploads/a.png',
    });
    const backups = join(dir, 'backups');
    const taken = await backupDatabase(db, backups, { keep: 2, mediaRoot: media });
    expect(taken.media).toBe(mediaBackupOf(taken.file));
    expect(taken.mediaFiles).toBe(2);
    expect(listBackups(backups)[0]?.media).toBe(taken.media);
    expect(readdirSync(taken.media!, { recursive: true }).map(String).sort()).toEqual([
      'thumbnails',
      'thumbnails/a.webp',
      'uploads',
      'uploads/a.png',
    ]);

    // Later: a new upload, and the old image lost.
    writeFileSync(join(media, 'uploads', 'b.png'), 'image b');
    rmSync(join(media, 'uploads', 'a.png'));
    await db.close();
    const restored = await restoreBackup(taken.file, file, { mediaRoot: media });
    expect(restored.mediaFiles).toBe(2);
    expect(readFileSync(join(media, 'uploads', 'a.png'), 'utf8')).toBe('image a');
    expect(existsSync(join(media, 'uploads', 'b.png'))).toBe(false);
    expect(readFileSync(join(`${media}.before-restore`, 'uploads', 'b.png'), 'utf8')).toBe('image b');
    const reopened = await openDatabase({ file });
    expect((await new ArticleRepository(reopened).latest(1))[0]?.image).toBe('uploads/a.png');
    await reopened.close();

    // Retention removes a dropped backup's media copy with it.
    const again = await openDatabase({ file });
    for (let i = 0; i < 2; i++)
      await backupDatabase(again, backups, { keep: 2, mediaRoot: media, now: new Date(Date.now() + (i + 1) * 60_000) });
    await again.close();
    expect(existsSync(taken.media!)).toBe(false);
    expect(readdirSync(backups).sort()).toEqual(
      listBackups(backups)
        .flatMap((b) => [b.file, b.media!].map((f) => f.slice(backups.length + 1)))
        .sort(),
    );
  });

  it('rejects a bad keep value and files that are not backups of this app', async () => {
    const db = await openDatabase({ file: ':memory:' });
    await expect(backupDatabase(db, dir, { keep: 0 })).rejects.toThrow(
      'Expected `keep` to be an integer from 1 and up, got `0` (number)',
    );
    await db.close();
    const junk = join(dir, 'junk.sqlite3');
    writeFileSync(junk, 'not a database');
    await expect(restoreBackup(junk, join(dir, 'x.sqlite3'))).rejects.toThrow(
      /junk.sqlite3` is not a readable SQLite database: .*file is not a database/,
    );
    await expect(restoreBackup(junk, join(dir, 'x.sqlite3'))).rejects.toThrow(RestoreError);
    const other = new BetterSqlite3(join(dir, 'other.sqlite3'));
    other.exec('CREATE TABLE t (x)');
    other.close();
    await expect(restoreBackup(join(dir, 'other.sqlite3'), join(dir, 'x.sqlite3'))).rejects.toThrow(RestoreError);
    await expect(restoreBackup(join(dir, 'missing.sqlite3'), join(dir, 'x.sqlite3'))).rejects.toThrow(/No backup/);
  });
});

describe('npm run backup / npm run restore (dist/backup.js)', () => {
  const run = (args: string[], env: Record<string, string> = {}) =>
    new Promise<{ code: number; stdout: string; stderr: string }>((resolve) => {
      execFile(
        process.execPath,
        [fromRoot('dist', 'backup.js'), ...args],
        {
          cwd: fromRoot(),
          env: { PATH: process.env.PATH, DATA_DIR: dir, LOG_LEVEL: 'silent', ...env },
          timeout: 60_000,
        },
        (error, stdout, stderr) => resolve({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
      );
    });
  const titles = (file: string) => {
    const db = new BetterSqlite3(file, { readonly: true });
    try {
      return (db.prepare('SELECT title FROM articles ORDER BY id').all() as { title: string }[]).map((r) => r.title);
    } finally {
      db.close();
    }
  };

  it('backs up, lists and restores, keeping the replaced database with commits a crashed process left in its WAL', async () => {
    const file = join(dir, 'board.sqlite3');
    const db = await openDatabase({ file });
    await new ArticleRepository(db).create({
      title: 'in the backup',
      body: 'b',
      authorName: 'A',
      authorEmail: 'a@x.org',
    });
    await db.close();
    // An uploaded image in MEDIA_ROOT (DATA_DIR/media by default) goes into the backup too.
    mkdirSync(join(dir, 'media', 'uploads'), { recursive: true });
    writeFileSync(join(dir, 'media', 'uploads', 'x.png'), 'image');
    const taken = await run(['backup']);
    expect(taken.code).toBe(0);
    const backupFile = /backed up to (\S+)/.exec(taken.stdout)![1]!;
    expect(taken.stdout).toContain(`1 media files to ${mediaBackupOf(backupFile)}`);
    expect(listBackups(join(dir, 'backups')).map((b) => b.file)).toEqual([backupFile]);
    expect((await run(['restore'])).stdout).toContain(backupFile);

    // A process commits an article and is killed before it checkpoints: the row is only in the WAL.
    const crash = spawnSync(
      process.execPath,
      [
        '-e',
        `const db = new (require(${JSON.stringify(createRequire(import.meta.url).resolve('better-sqlite3'))}))(${JSON.stringify(file)});
         db.pragma('wal_autocheckpoint = 0');
         db.prepare("INSERT INTO articles (author_id, title, body, created_at) VALUES (1, 'only in the WAL', 'b', '2026-01-01')").run();
         process.kill(process.pid, 'SIGKILL');`,
      ],
      { timeout: 30_000 },
    );
    expect(crash.signal).toBe('SIGKILL');
    expect(statSync(`${file}-wal`).size).toBeGreaterThan(0);

    const restored = await run(['restore', backupFile]);
    expect(restored.code).toBe(0);
    expect(restored.stdout).toContain('1 articles, 0 comments');
    expect(restored.stdout).toContain(`restored 1 media files to ${join(dir, 'media')}`);
    expect(titles(file)).toEqual(['in the backup']);
    expect(titles(`${file}.before-restore`)).toEqual(['in the backup', 'only in the WAL']);
  });

  it('refuses a file that is not a backup with a clear message, changing nothing', async () => {
    const file = join(dir, 'board.sqlite3');
    await (await openDatabase({ file })).close();
    writeFileSync(join(dir, 'junk.sqlite3'), 'not a database');
    const result = await run(['restore', join(dir, 'junk.sqlite3')]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('restore failed: `junk.sqlite3` is not a readable SQLite database');
    expect(result.stderr).not.toContain('    at ');
    expect(existsSync(`${file}.before-restore`)).toBe(false);
    expect((await run(['nonsense'])).code).toBe(2);
  });

  it('says PostgreSQL is backed up by its own tools when DATABASE_URL is set, touching nothing', async () => {
    const result = await run(['backup'], { DATABASE_URL: 'postgres://board@127.0.0.1:1/board' });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('back it up and restore it with pg_dump');
    expect(existsSync(join(dir, 'backups'))).toBe(false);
  });
});
