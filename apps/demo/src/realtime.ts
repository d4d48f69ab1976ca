import { type AnyWebSocketRoute, type ChannelLayer, consumer, memoryLayer } from '@adv/async';
import { redisLayer } from '@adv/async/redis';
import type { CacheLike, Middleware } from '@adv/types';
import type { Board } from './board.js';
import type { DemoConfig } from './config.js';
import { type ExportStatus, exportGroup, exportStatusKey } from './jobs/tasks.js';
import { articleGroup } from './wiring.js';

/** The path of the article consumer: `/ws/articles?article=42`. */
export const ARTICLE_SOCKET_PATH = '/ws/articles';

/** The channel layer: in memory for one process, Redis pub/sub when several share the work. */
export function createLayer(redisUrl: string | undefined): ChannelLayer {
  return redisUrl ? redisLayer({ url: redisUrl, prefix: 'demo' }) : memoryLayer();
}

const EXPORT_ID = /^[0-9a-f-]{36}$/;

/**
 * A Channels-style consumer per open article page: joins the article's group (new comments
 * arrive through it), and on `{type: 'watch-export', exportId}` joins that export's group,
 * answers `{type: 'watching'}` and replays its last status (the export may have moved on before
 * the browser asked). `allowedHosts`: ALLOWED_HOSTS, refused upgrades get 400.
 */
export function articleConsumer(
  board: Board,
  layer: ChannelLayer,
  cache: CacheLike,
  options: { allowedHosts?: readonly string[] } = {},
): AnyWebSocketRoute {
  return consumer<{ articleId: number }>({
    layer,
    // Checked on the upgrade's Host before `authenticate` (DNS rebinding); see app.ts for X-Forwarded-Host.
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
    async authenticate(request) {
      const raw = new URL(request.url).searchParams.get('article') ?? '';
      const articleId = /^\d{1,12}$/.test(raw) ? Number(raw) : Number.NaN;
      if (!(await board.articles.get(articleId))) return new Response('unknown article', { status: 404 });
      return { articleId };
    },
    async connect(ctx) {
      await ctx.groupAdd(articleGroup(ctx.data.articleId));
    },
    async receive(ctx, message) {
      if (message.type !== 'text') return;
      const { type, exportId } = message.json<{ type?: unknown; exportId?: unknown }>() ?? {};
      if (type !== 'watch-export' || typeof exportId !== 'string' || !EXPORT_ID.test(exportId)) return;
      await ctx.groupAdd(exportGroup(exportId));
      // Acknowledged once in the group: a page that chose the id starts the export only now,
      // so it sees every progress step.
      ctx.sendJson({ type: 'watching', exportId });
      const status = await cache.get<ExportStatus>(exportStatusKey(exportId));
      if (status) ctx.sendJson({ type: 'export', exportId, ...status });
    },
  });
}

/**
 * A WebSocket route that refuses an upgrade whose Host is not in ALLOWED_HOSTS (a DNS-rebinding
 * page could otherwise open a socket the same Host over HTTP gets 400 for). The verdict is the
 * HTTP security middleware's own (same matching: ports, `.example.com`, X-Forwarded-Host), so
 * the two can never disagree; only its 400 counts (its HTTPS redirect is for pages).
 */
function hostChecked(route: AnyWebSocketRoute, security: Middleware): AnyWebSocketRoute {
  const { authenticate } = route;
  return {
    ...route,
    async authenticate(request: Request) {
      const verdict = await security(request, async () => new Response(null, { status: 204 }));
      if (verdict.status === 400) return verdict;
      return authenticate ? authenticate(request) : undefined;
    },
  };
}

/**
 * The article page's WebSocket route. @adv/async checks the Host header itself; when
 * X-Forwarded-Host is trusted (the Host header is then the proxy's) or the list is empty (DEBUG's
 * localhost defaults apply), only the security middleware's verdict (hostChecked) can judge the upgrade.
 */
export function articleSocket(
  config: DemoConfig,
  parts: { board: Board; layer: ChannelLayer; cache: CacheLike },
  security: Middleware,
) {
  const { settings } = config;
  const hosts =
    settings.USE_X_FORWARDED_HOST || settings.ALLOWED_HOSTS.length === 0
      ? {}
      : { allowedHosts: settings.ALLOWED_HOSTS };
  return hostChecked(articleConsumer(parts.board, parts.layer, parts.cache, hosts), security);
}
