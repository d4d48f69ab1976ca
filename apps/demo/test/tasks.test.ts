import { existsSync, mkdirSync, readdirSync, readFileSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkDeploy } from '@adv/deploy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { onPostgres } from './databases.js';
import { BASE, noScheduleDueFrom, pageRequests, postForm, testDemo } from './helpers.js';

let demo: Awaited<ReturnType<typeof testDemo>>;
beforeEach(async () => {
  demo = await testDemo();
});
afterEach(async () => {
  await demo.cleanup();
});

const { get, servedFromCache } = pageRequests(() => demo);

describe('comments and tasks', () => {
  it('stores a comment, e-mails the article author and broadcasts to the article group', async () => {
    const sent: Array<[string, unknown]> = [];
    const original = demo.layer.groupSend.bind(demo.layer);
    demo.layer.groupSend = async (group, message) => {
      sent.push([group, message]);
      return original(group, message);
    };
    const response = await demo.handler(postForm(`${BASE}/articles/1/comments`, { author: 'Mia', body: 'Great post' }));
    expect(response.status).toBe(303);
    expect(await (await get('/articles/1')).text()).toContain('Great post');
    expect(sent).toEqual([
      [
        'article-1',
        expect.objectContaining({ type: 'comment', comment: expect.objectContaining({ body: 'Great post' }) }),
      ],
    ]);
    const outbox = join(demo.dataDir, 'outbox');
    const readMails = () =>
      (existsSync(outbox) ? readdirSync(outbox) : []).map((f) => readFileSync(join(outbox, f), 'utf8'));
    await expect.poll(() => readMails().length, { timeout: 10_000 }).toBe(1);
    const mails = readMails();
    expect(mails[0]).toContain('To: ada@example.com');
    expect(mails[0]).toContain('Mia commented on your article “Welcome to the adv board”');
  });

  it('does nothing for a comment whose transaction rolls back', async () => {
    const sent: unknown[] = [];
    demo.layer.groupSend = async (group, message) => {
      sent.push([group, message]);
    };
    await get('/');
    await expect.poll(() => servedFromCache('/'), { timeout: 20_000 }).toBe(true);
    const quiet = await noScheduleDueFrom(demo);
    await expect(
      demo.board.atomic(async () => {
        await demo.board.comments.save({ articleId: 1, authorName: 'Ghost', body: 'never committed' });
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    const stats = await demo.tasks.app.stats();
    // No job at all, unless a schedule came due meanwhile (prune-exports at minute 17 of each hour).
    if (quiet()) expect(stats.waiting + stats.active + stats.completed).toBe(0);
    for (const state of ['waiting', 'active', 'delayed', 'completed', 'failed'] as const)
      expect((await demo.tasks.app.list(state)).map((job) => job.data.task)).not.toContain('notify-comment');
    expect(sent).toEqual([]);
    expect((await demo.board.comments.forArticle(1)).map((c) => c.body)).not.toContain('never committed');
    expect(await servedFromCache('/')).toBe(true);
    expect(existsSync(join(demo.dataDir, 'outbox'))).toBe(false);
  });

  it('exports an article’s comments as CSV and serves the file', async () => {
    await demo.handler(postForm(`${BASE}/articles/1/comments`, { author: 'Quote "Q"', body: '=1+1, and more' }));
    const started = await demo.handler(
      new Request(`${BASE}/pt-br/articles/1/export`, { method: 'POST', headers: { origin: BASE } }),
    );
    expect(started.status).toBe(202);
    const { exportId } = (await started.json()) as { exportId: string };
    const readStatus = async () =>
      (await (await get(`/exports/${exportId}/status`)).json()) as { state: string; url: string };
    await expect.poll(async () => (await readStatus()).state, { timeout: 10_000 }).toBe('done');
    const status = await readStatus();
    expect(status).toMatchObject({ state: 'done', url: `/exports/${exportId}.csv` });
    const file = await get(status.url);
    expect(file.status).toBe(200);
    expect(file.headers.get('content-disposition')).toContain('attachment');
    const bytes = new Uint8Array(await file.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]); // BOM: Excel opens UTF-8 correctly
    const csv = new TextDecoder().decode(bytes);
    expect(csv.split('\r\n')[0]).toBe('id,autor,data,comentário');
    expect(csv).toContain(`"Quote ""Q""",`);
    expect(csv).toContain(`"'=1+1, and more"`);
    expect((await get('/exports/not-a-file.csv')).status).toBe(404);
  });

  it('lets the page choose the export id (to watch it first), refusing bad and taken ids', async () => {
    const post = (body: string) =>
      demo.handler(
        new Request(`${BASE}/articles/1/export`, {
          method: 'POST',
          headers: { origin: BASE, 'content-type': 'application/json' },
          body,
        }),
      );
    const exportId = '0b7e6c1e-3f5d-4c8a-9a51-2d6f1c0e9b42';
    const started = await post(JSON.stringify({ exportId }));
    expect(started.status).toBe(202);
    expect(await started.json()).toEqual({ exportId });
    await expect
      .poll(async () => ((await (await get(`/exports/${exportId}/status`)).json()) as { state: string }).state, {
        timeout: 10_000,
      })
      .toBe('done');
    const taken = await post(JSON.stringify({ exportId }));
    expect(taken.status).toBe(409);
    expect(await taken.json()).toEqual({ error: 'That export id is taken' });
    expect((await post(JSON.stringify({ exportId: '../../etc/passwd' }))).status).toBe(400);
    expect((await post(JSON.stringify({ exportId: 42 }))).status).toBe(400);
    const malformed = await post('{not json');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toEqual({ error: 'Expected a JSON body like {"exportId": "<uuid>"}' });
  });

  it('schedules the digest, and the database backup on SQLite (Celery beat)', async () => {
    const ids = (await demo.tasks.app.schedules()).map((s) => [s.id, s.task]);
    expect(ids).toContainEqual(['digest', 'digest']);
    // A PostgreSQL server is backed up by its own tools: the app schedules nothing for it.
    if (onPostgres) expect(ids.map(([id]) => id)).not.toContain('backup-db');
    else expect(ids).toContainEqual(['backup-db', 'backup-db']);
  });

  // Defined only where it applies, so neither project counts a skipped test.
  if (onPostgres)
    it('leaves PostgreSQL backups to the server: no task, adv.W008 until silenced', async () => {
      expect(demo.tasks.backup).toBeUndefined();
      const found = (await checkDeploy(demo.config.settings, demo.deployContext())).map((f) => f.id);
      expect(found).toContain('adv.W008');
      expect(found).not.toContain('adv.E009');
    });

  if (!onPostgres)
    it('backs the database up from its task, and the deploy check sees the backup', async () => {
      const before = await checkDeploy(demo.config.settings, demo.deployContext());
      expect(before.map((f) => f.id)).toContain('adv.E009');
      const handle = await demo.tasks.backup!.enqueue(undefined);
      const { file } = (await handle.result({ timeout: 10_000 })) as { file: string };
      expect(file).toMatch(/backups\/board-\d{8}T\d{9}Z\.sqlite3$/);
      const after = await checkDeploy(demo.config.settings, demo.deployContext());
      expect(after.map((f) => f.id)).not.toContain('adv.E009');
      expect(after.map((f) => f.id)).not.toContain('adv.W008');
    });

  it('prunes expired cache entries, old exports and outbox e-mails, each maintenance run visible in the task stats', async () => {
    const old = new Date(Date.now() - 48 * 3600_000);
    const ancient = new Date(Date.now() - 30 * 24 * 3600_000);
    const exports = join(demo.dataDir, 'exports');
    const outbox = join(demo.dataDir, 'outbox');
    for (const dir of [exports, outbox]) mkdirSync(dir, { recursive: true });
    const file = (dir: string, name: string, mtime?: Date) => {
      writeFileSync(join(dir, name), 'x');
      if (mtime) utimesSync(join(dir, name), mtime, mtime);
    };
    file(exports, 'old.csv', old);
    file(exports, 'new.csv');
    file(outbox, 'ancient.eml', ancient);
    file(outbox, 'old.eml', old); // younger than OUTBOX_KEEP_DAYS (14)
    file(outbox, 'notes.txt', ancient); // not an e-mail: left alone
    mkdirSync(join(outbox, 'sub.eml')); // not a file: left alone

    await demo.cache.set('short-lived', { v: 1 }, { ttl: 0.02 });
    await demo.cache.set('long-lived', { v: 2 }, { ttl: 3600 });
    await new Promise((resolve) => setTimeout(resolve, 60));

    // A scheduled run of a maintenance task during the test (prune-exports ticks at minute 17 of
    // every hour) would prune first and add a job: the exact numbers hold while none came due.
    const quiet = await noScheduleDueFrom(demo);
    const before = await demo.tasks.app.stats();
    const prunedCache = await demo.tasks.pruneCache.enqueue(undefined);
    expect(await prunedCache.result({ timeout: 10_000 })).toEqual({ removed: 1 });
    expect(await demo.cache.get('long-lived')).toEqual({ v: 2 });
    const prunedExports = await demo.tasks.pruneExports.enqueue({ olderThanHours: 24 });
    const exportsResult = await prunedExports.result({ timeout: 10_000 });
    if (quiet()) expect(exportsResult).toEqual({ removed: 1 });
    const prunedOutbox = await demo.tasks.pruneOutbox.enqueue({ olderThanHours: 14 * 24 });
    const outboxResult = await prunedOutbox.result({ timeout: 10_000 });
    if (quiet()) expect(outboxResult).toEqual({ removed: 1 });
    if (demo.tasks.backup) await (await demo.tasks.backup.enqueue(undefined)).result({ timeout: 10_000 });
    await (await demo.tasks.digest.enqueue({ to: 'list@example.com' })).result({ timeout: 10_000 });
    expect(readdirSync(exports)).toEqual(['new.csv']);
    expect(readdirSync(outbox).sort()).toEqual(
      expect.arrayContaining(['notes.txt', 'old.eml', 'sub.eml']), // plus the digest just sent
    );
    expect(readdirSync(outbox)).not.toContain('ancient.eml');

    // Each maintenance task is scheduled, counted in the stats and listed by name with its result.
    const maintenance = [
      'prune-cache',
      'prune-exports',
      'prune-outbox',
      'digest',
      ...(onPostgres ? [] : ['backup-db']),
    ];
    expect((await demo.tasks.app.schedules()).map((s) => s.id)).toEqual(expect.arrayContaining(maintenance));
    const completed = (await demo.tasks.app.stats()).completed;
    const finished = await demo.tasks.app.list('completed', { end: 50 });
    expect(finished.map((job) => job.data.task)).toEqual(expect.arrayContaining(maintenance));
    expect(finished.find((job) => job.id === prunedOutbox.id)?.result).toEqual(outboxResult);
    if (quiet()) {
      expect(completed).toBe(before.completed + maintenance.length);
      expect(finished.map((job) => job.data.task).sort()).toEqual([...maintenance].sort());
    }
  });

  it('takes the maintenance retention from the settings', async () => {
    await demo.cleanup();
    demo = await testDemo({}, { EXPORT_KEEP_HOURS: '6', OUTBOX_KEEP_DAYS: '3', TASK_RESULTS_KEEP: '2' });
    const payloads = Object.fromEntries((await demo.tasks.app.schedules()).map((s) => [s.id, s.payload]));
    expect(payloads['prune-exports']).toEqual({ olderThanHours: 6 });
    expect(payloads['prune-outbox']).toEqual({ olderThanHours: 72 });
    // The backend keeps only the newest TASK_RESULTS_KEEP finished jobs. The database backends
    // trim in batches (SQLite every 500 finished jobs, PostgreSQL about once a second), so more
    // than a batch runs: of 521 finished jobs, only the kept ones and those finished since the
    // last trim remain (without the setting, the default of 1000 would keep all 521). The jobs'
    // results are not awaited: a result trimmed before it is read is gone (as in Celery), so
    // the stats say when all ran.
    for (let i = 0; i < 521; i++) await demo.tasks.pruneExports.enqueue({ olderThanHours: 6 });
    await expect
      .poll(
        async () => {
          const { waiting, active, delayed, failed, completed } = await demo.tasks.app.stats();
          return { unfinished: waiting + active + delayed, failed, trimmed: completed < 100 };
        },
        { timeout: 60_000 },
      )
      .toEqual({ unfinished: 0, failed: 0, trimmed: true });
  }, 90_000);

  it('sends a digest of new articles', async () => {
    await demo.handler(
      postForm(`${BASE}/articles`, { author: 'Ana', email: 'ana@example.com', title: 'Digest me', body: 'b' }),
    );
    const handle = await demo.tasks.digest.enqueue({ to: 'list@example.com' });
    // The first digest covers the last day (the two seeded articles and the new one) …
    expect(await handle.result({ timeout: 10_000 })).toEqual({ articles: 3 });
    // … the next one only what came after it.
    const next = await demo.tasks.digest.enqueue({ to: 'list@example.com' });
    expect(await next.result({ timeout: 10_000 })).toEqual({ articles: 0 });
    const outbox = join(demo.dataDir, 'outbox');
    const mail = readdirSync(outbox)
      .map((file) => readFileSync(join(outbox, file), 'utf8'))
      .join('\n');
    expect(mail).toContain('To: list@example.com');
    expect(mail).toContain('Digest me');
  });
});
