import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import BetterSqlite3 from 'better-sqlite3';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { backupDatabase, listBackups, RestoreError, restoreBackup } from '../src/db/backup.js';
import { openDatabase } from '../src/db/database.js';
import { ArticleRepository, CommentRepository } from '../src/db/repositories.js';

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
    const db = openDatabase(file);
    const article = new ArticleRepository(db).create({
      title: 't',
      body: 'b',
      authorName: 'A',
      authorEmail: 'a@example.com',
    });
    const comments = new CommentRepository(db);
    // Enough rows that the backup takes many steps.
    db.transaction(() => {
      for (let i = 0; i < 5000; i++)
        comments.create({ articleId: article.id, authorName: 'x', body: `before ${i} ${'y'.repeat(200)}` });
    })();
    const committedBefore = comments.forArticle(article.id).length;

    // Another thread keeps writing through its own connection, as another process would.
    const writer = new Worker(
      `const { parentPort, workerData } = require('node:worker_threads');
       const Database = require(workerData.driver);
       const db = new Database(workerData.file);
       db.pragma('busy_timeout = 5000');
       const insert = db.prepare('INSERT INTO comments (article_id, author_name, body, created_at) VALUES (?, ?, ?, ?)');
       let written = 0;
       let stop = false;
       parentPort.on('message', () => { stop = true; });
       const tick = () => {
         if (stop) { db.close(); parentPort.postMessage(written); return; }
         insert.run(workerData.articleId, 'w', 'during ' + written, new Date().toISOString());
         written++;
         if (written === 1) parentPort.postMessage('started');
         setImmediate(tick);
       };
       tick();`,
      {
        eval: true,
        workerData: { driver: createRequire(import.meta.url).resolve('better-sqlite3'), file, articleId: article.id },
      },
    );
    await once(writer, 'message'); // 'started'
    const backup = await backupDatabase(db, join(dir, 'backups'), { keep: 3 });
    writer.postMessage('stop');
    const [written] = (await once(writer, 'message')) as [number];
    await writer.terminate();
    expect(written).toBeGreaterThan(0);
    db.close();

    const restoredFile = join(dir, 'restored.sqlite3');
    const { rows } = restoreBackup(backup.file, restoredFile);
    const restored = new BetterSqlite3(restoredFile, { readonly: true });
    expect(restored.pragma('integrity_check', { simple: true })).toBe('ok');
    const ids = restored.prepare('SELECT id FROM comments ORDER BY id').all() as { id: number }[];
    restored.close();
    // Everything committed before the backup began is there, and what came during it is a
    // gap-free prefix (one snapshot, never half a transaction).
    expect(ids.length).toBeGreaterThanOrEqual(committedBefore);
    expect(ids.length).toBeLessThanOrEqual(committedBefore + written);
    expect(ids.every((row, index) => row.id === index + 1)).toBe(true);
    expect(rows.comments).toBe(ids.length);
  });

  it('keeps only the newest backups', async () => {
    const db = openDatabase(join(dir, 'board.sqlite3'));
    const backups = join(dir, 'backups');
    for (let i = 0; i < 5; i++)
      await backupDatabase(db, backups, { keep: 2, now: new Date(Date.UTC(2026, 0, 1, 0, i)) });
    db.close();
    const kept = listBackups(backups);
    expect(kept.map((b) => b.at.toISOString())).toEqual(['2026-01-01T00:04:00.000Z', '2026-01-01T00:03:00.000Z']);
  });

  it('rejects a bad keep value and files that are not backups of this app', async () => {
    const db = openDatabase(':memory:');
    await expect(backupDatabase(db, dir, { keep: 0 })).rejects.toThrow(
      'Expected `keep` to be an integer from 1 and up, got `0` (number)',
    );
    db.close();
    const junk = join(dir, 'junk.sqlite3');
    writeFileSync(junk, 'not a database');
    expect(() => restoreBackup(junk, join(dir, 'x.sqlite3'))).toThrow();
    const other = new BetterSqlite3(join(dir, 'other.sqlite3'));
    other.exec('CREATE TABLE t (x)');
    other.close();
    expect(() => restoreBackup(join(dir, 'other.sqlite3'), join(dir, 'x.sqlite3'))).toThrow(RestoreError);
    expect(() => restoreBackup(join(dir, 'missing.sqlite3'), join(dir, 'x.sqlite3'))).toThrow(/No backup/);
  });
});
