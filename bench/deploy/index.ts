import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { collectStatic, csrfMiddleware, securityMiddleware, serveStatic } from '@adv/deploy';
import { compose, type Handler } from '@adv/types';
import { serveStatic as honoServeStatic } from '@hono/node-server/serve-static';
import helmet from 'helmet';
import { Hono } from 'hono';
import type { BenchRow } from '../lib/report.js';
import { mediaRows } from './media.js';
import { medianOps } from './median.js';
import { perRequestRows } from './per-request.js';

type Connect = (req: IncomingMessage, res: ServerResponse, next: (error?: unknown) => void) => void;

/**
 * Runs a connect-style middleware (helmet) on a Fetch request through the smallest
 * node:http-like shim: `res.setHeader/getHeader/removeHeader` write into a `Headers` that the
 * handler's Response is then built with. The shim is what any Fetch app needs to use helmet.
 */
function connectToFetch(middleware: Connect, handler: Handler): (request: Request) => Promise<Response> {
  return (request) =>
    new Promise<Response>((resolve, reject) => {
      const headers = new Headers();
      const req = {
        method: request.method,
        url: new URL(request.url).pathname,
        headers: Object.fromEntries(request.headers),
      };
      const res = {
        setHeader: (name: string, value: string | number | readonly string[]) => headers.set(name, String(value)),
        getHeader: (name: string) => headers.get(name) ?? undefined,
        removeHeader: (name: string) => headers.delete(name),
        hasHeader: (name: string) => headers.has(name),
      };
      middleware(req as unknown as IncomingMessage, res as unknown as ServerResponse, async (error) => {
        if (error) return reject(error);
        const response = await handler(request);
        for (const [name, value] of response.headers) headers.set(name, value);
        resolve(new Response(response.body, { status: response.status, headers }));
      });
    });
}

/**
 * securityMiddleware vs helmet on the same HTTPS GET: each wraps the same handler and returns
 * a Response carrying its security headers. Ours also validates the Host against
 * ALLOWED_HOSTS (helmet has no such check); helmet's defaults set more headers (CSP, CORP,
 * Origin-Agent-Cluster, …), so a second row restricts helmet to the headers ours sets.
 */
export async function run({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const handler: Handler = () => new Response('ok', { headers: { 'content-type': 'text/plain' } });
  const settings = {
    ALLOWED_HOSTS: ['example.com'],
    SECURE_HSTS_SECONDS: 31_536_000,
    SECURE_HSTS_INCLUDE_SUBDOMAINS: true,
  };
  const ours = compose(securityMiddleware(settings))(handler);
  const helmetDefaults = connectToFetch(helmet() as unknown as Connect, handler);
  const helmetSame = connectToFetch(
    helmet({
      contentSecurityPolicy: false,
      crossOriginEmbedderPolicy: false,
      crossOriginResourcePolicy: false,
      originAgentCluster: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xPoweredBy: false,
      xXssProtection: false,
      referrerPolicy: { policy: 'same-origin' },
      frameguard: { action: 'deny' },
    }) as unknown as Connect,
    handler,
  );
  const request = new Request('https://example.com/page', { headers: { host: 'example.com', accept: 'text/html' } });
  // Sanity: all three really set their headers.
  for (const app of [ours, helmetDefaults, helmetSame]) {
    const response = await app(request);
    if (!response.headers.get('strict-transport-security') || !response.headers.get('x-content-type-options')) {
      throw new Error('a contender did not set its security headers');
    }
  }
  const tasks = {
    ours: () => ours(request),
    helmetDefaults: () => helmetDefaults(request),
    helmetSame: () => helmetSame(request),
  };
  const ops = await medianOps(tasks, quick);

  const csrfPost = new Request('https://example.com/form', {
    method: 'POST',
    headers: { host: 'example.com', origin: 'https://example.com' },
  });
  const withCsrf = compose(securityMiddleware(settings), csrfMiddleware(settings))(handler);
  const bare = compose()(handler);
  const csrfOps = await medianOps({ withCsrf: () => withCsrf(csrfPost), bare: () => bare(csrfPost) }, quick);

  const files = await staticFiles(quick);
  const media = await mediaRows(quick);
  const perRequest = await perRequestRows(quick);

  return [
    ...files,
    ...media,
    ...perRequest,
    {
      suite: 'deploy',
      case: 'security headers on an HTTPS GET (helmet defaults)',
      unit: 'ops/s',
      higherIsBetter: true,
      ours: { name: 'securityMiddleware', value: ops.ours ?? Number.NaN },
      peer: { name: 'helmet() via shim', value: ops.helmetDefaults ?? Number.NaN },
      note: 'ours also validates Host; helmet sets 12 headers, ours 5',
    },
    {
      suite: 'deploy',
      case: 'security headers on an HTTPS GET (same 5 headers)',
      unit: 'ops/s',
      higherIsBetter: true,
      ours: { name: 'securityMiddleware', value: ops.ours ?? Number.NaN },
      peer: { name: 'helmet(same headers) via shim', value: ops.helmetSame ?? Number.NaN },
    },
    {
      suite: 'deploy',
      case: 'security + CSRF origin check on a same-origin POST',
      unit: 'ops/s',
      higherIsBetter: true,
      ours: { name: 'security + csrfMiddleware', value: csrfOps.withCsrf ?? Number.NaN },
      peer: { name: 'no middleware (cost baseline)', value: csrfOps.bare ?? Number.NaN },
      note: 'overhead of the checks, not a peer',
    },
  ];
}

/**
 * serveStatic against the static middleware of @hono/node-server (the Fetch-native one a Hono
 * user picks), both on the same collectStatic output with its precompressed copies: a GET of a
 * hashed 40 kB script with the body read, and a browser's revalidation (If-None-Match). Hono's
 * sends no ETag, so it answers the revalidation with the whole file again: that row compares
 * what each does for the same request, not the same work.
 */
async function staticFiles(quick: boolean): Promise<BenchRow[]> {
  const dir = mkdtempSync(join(tmpdir(), 'adv-bench-static-'));
  try {
    mkdirSync(join(dir, 'src'));
    let text = '';
    for (let i = 0; text.length < 40_000; i++) text += `export function f${i}(a) { return a.map((x) => x * ${i}); }\n`;
    writeFileSync(join(dir, 'src', 'app.js'), text);
    const { manifest } = await collectStatic(join(dir, 'src'), join(dir, 'static'));
    const url = `http://example.com/static/${manifest.paths['app.js']}`;
    const notFound: Handler = () => new Response('not found', { status: 404 });
    const ours = compose(serveStatic({ root: join(dir, 'static') }))(notFound);
    const hono = new Hono().use(
      '/static/*',
      honoServeStatic({
        root: join(dir, 'static'),
        precompressed: true,
        rewriteRequestPath: (path) => path.replace(/^\/static/, ''),
      }),
    );
    const get = new Request(url, { headers: { 'accept-encoding': 'gzip, deflate, br' } });
    const first = await ours(get);
    const etag = first.headers.get('etag') ?? '';
    await first.arrayBuffer();
    const revalidate = new Request(url, { headers: { 'accept-encoding': 'gzip, deflate, br', 'if-none-match': etag } });
    // Sanity: both serve the brotli copy; ours answers the revalidation with a 304.
    for (const response of [await ours(get), await hono.fetch(get)]) {
      if (response.status !== 200 || response.headers.get('content-encoding') !== 'br') {
        throw new Error(`a static contender did not serve the .br copy (${response.status})`);
      }
      await response.arrayBuffer();
    }
    if ((await ours(revalidate)).status !== 304) throw new Error('serveStatic did not answer 304');
    const read = async (response: Response | Promise<Response>) => (await response).arrayBuffer();
    const full = await medianOps({ ours: () => read(ours(get)), hono: () => read(hono.fetch(get)) }, quick);
    const again = await medianOps(
      { ours: () => read(ours(revalidate)), hono: () => read(hono.fetch(revalidate)) },
      quick,
    );
    return [
      {
        suite: 'deploy',
        case: 'GET a hashed 40 kB script, brotli copy, body read',
        unit: 'ops/s',
        higherIsBetter: true,
        ours: { name: 'serveStatic', value: full.ours ?? Number.NaN },
        peer: { name: '@hono/node-server serveStatic', value: full.hono ?? Number.NaN },
        note: 'ours also sends ETag and immutable Cache-Control',
      },
      {
        suite: 'deploy',
        case: 'revalidation (If-None-Match) of the same script',
        unit: 'ops/s',
        higherIsBetter: true,
        ours: { name: 'serveStatic (304)', value: again.ours ?? Number.NaN },
        peer: { name: '@hono/node-server serveStatic (200, no ETag)', value: again.hono ?? Number.NaN },
        note: 'hono sends the whole file again',
      },
    ];
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
