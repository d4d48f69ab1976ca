/**
 * The demo's article list as the peer stacks serve it: the same SQLite board (the demo's
 * migrations, seed and the bench's 20 extra articles), the same collected static files and the
 * same LiquidJS engine and templates (`createEngine` of the demo: `{% trans %}`, the `t` and
 * `static` filters, `{% cache %}` fragments), so Express, Fastify and the demo send the same
 * HTML. Only the per-request stack around it differs. Rendering runs on a page-cache miss only;
 * for the cached page it is not in the measured path.
 *
 * The peers render with LiquidJS's own `renderFile`, which is what their view integrations call
 * (`engine.express()`, @fastify/view's liquid engine); the demo drives the same generators with
 * its own driver (apps/demo/src/views/drive.ts), which creates a promise only where a tag awaits.
 * `BENCH_PEER_RENDER=drive` gives the peers the demo's driver too (`renderToString`), to see
 * what is left once both render alike.
 */
import { join } from 'node:path';
import { collectStatic, loadManifest, staticUrl } from '@adv/deploy';
import { Board } from '../../apps/demo/src/board.js';
import { openDatabase } from '../../apps/demo/src/db/database.js';
import type { SqlDatabase } from '../../apps/demo/src/db/sql.js';
import { type Locale, withLocale } from '../../apps/demo/src/i18n.js';
import { fromRoot } from '../../apps/demo/src/paths.js';
import { createEngine, pageScope, renderToString } from '../../apps/demo/src/views/render.js';
import { seedArticles } from '../demo/variants.js';

/** The languages the page is offered in (the demo's, first is the default). */
export const PAGE_LANGUAGES: readonly Locale[] = ['en', 'pt-BR'];

export interface ArticlePage {
  /** The article list's HTML in `locale` (UTC), read from the database and rendered now. */
  render(locale: Locale): Promise<string>;
  /** Where the collected (hashed) static files are. */
  staticRoot: string;
  close(): Promise<void>;
}

/** How the peers render: `liquidjs` (LiquidJS's `renderFile`, the default) or `drive` (the demo's driver). */
const peerRender = process.env.BENCH_PEER_RENDER ?? 'liquidjs';
if (peerRender !== 'liquidjs' && peerRender !== 'drive') {
  throw new Error(`Expected BENCH_PEER_RENDER to be liquidjs or drive, got ${JSON.stringify(peerRender)}`);
}

/** Opens a board in `dir` (seeded like the demo bench's) and the demo's engine over its templates. */
export async function openArticlePage(dir: string): Promise<ArticlePage> {
  const db: SqlDatabase = await openDatabase({ file: join(dir, 'board.sqlite3') });
  const board = new Board(db);
  await board.seed();
  await seedArticles({ board });
  const staticRoot = join(dir, 'static');
  await collectStatic(fromRoot('static'), staticRoot);
  const manifest = await loadManifest(staticRoot);
  // `{% cache %}` fragments in a Map, as a stack without a cache library would keep them.
  const fragments = new Map<string, unknown>();
  const engine = createEngine({
    staticUrl: (name) => staticUrl(manifest, name, '/static/'),
    cache: true,
    fragments: {
      async getOrSet<T>(key: string, render: () => T | Promise<T>): Promise<T> {
        if (fragments.has(key)) return fragments.get(key) as T;
        const value = await render();
        fragments.set(key, value);
        return value;
      },
    },
  });
  return {
    staticRoot,
    render: (locale) =>
      withLocale({ locale, timeZone: 'UTC' }, async () => {
        const sidebar = {
          get articles() {
            return board.articles.popular(5);
          },
          get renderedAt() {
            return new Date().toISOString();
          },
        };
        const data = { path: '/', articles: await board.articles.latest(50), sidebar };
        return peerRender === 'drive'
          ? renderToString(engine, 'articles', data)
          : engine.renderFile('articles', pageScope(data));
      }),
    close: () => db.close(),
  };
}
