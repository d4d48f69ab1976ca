/**
 * `npm run backup -w @adv/demo`: takes a backup now (the `backup-db` task does it on schedule).
 * `npm run restore -w @adv/demo -- <file>`: restores one; stop the app first.
 * Without a file, `restore` lists the backups.
 */
import { loadConfig } from './config.js';
import { backupDatabase, listBackups, RestoreError, restoreBackup } from './db/backup.js';
import { openDatabase } from './db/database.js';
import { mediaDiskRoot } from './media.js';

const config = loadConfig();
const target = config.database.file;
// Images on this machine's disk go into the backup with the database; in S3 they are not copied.
const mediaRoot = mediaDiskRoot(config);
const [command, file] = process.argv.slice(2);

if (config.database.url !== undefined && command !== undefined) {
  console.error(
    'DATABASE_URL points at PostgreSQL: back it up and restore it with pg_dump / pg_restore, pgBackRest or your provider; these commands copy the embedded SQLite file',
  );
  process.exitCode = 2;
} else if (command === 'backup') {
  const db = await openDatabase(config.database);
  const taken = await backupDatabase(db, config.backup.dir, { keep: config.backup.keep, mediaRoot });
  await db.close();
  const media = taken.media ? `; ${taken.mediaFiles} media files to ${taken.media}` : '';
  console.log(`backed up to ${taken.file} (${taken.bytes} bytes)${media}`);
} else if (command === 'restore' && file) {
  try {
    const { rows, mediaFiles } = await restoreBackup(file, target, { mediaRoot });
    console.log(
      `restored ${file} to ${target}: ${rows.articles} articles, ${rows.comments} comments (previous database kept as ${target}.before-restore)`,
    );
    if (mediaFiles !== undefined) {
      console.log(
        `restored ${mediaFiles} media files to ${mediaRoot} (previous files kept as ${mediaRoot}.before-restore)`,
      );
    }
  } catch (error) {
    if (!(error instanceof RestoreError)) throw error;
    console.error(`restore failed: ${error.message}; nothing was changed`);
    process.exitCode = 1;
  }
} else if (command === 'restore') {
  const backups = listBackups(config.backup.dir);
  if (backups.length === 0) console.log(`no backups in ${config.backup.dir}`);
  for (const b of backups)
    console.log(`${b.at.toISOString()}  ${b.bytes} bytes  ${b.file}${b.media ? ' + media' : ''}`);
  console.log('restore one with: npm run restore -w @adv/demo -- <file>   (stop the app first)');
} else {
  console.error('usage: node dist/backup.js backup | restore [file]');
  process.exitCode = 2;
}
