/** What the Express and Fastify stacks share: the request id rule, the security headers, the log destination. */
import { randomUUID } from 'node:crypto';
import { logDestination } from '@adv/deploy/logging';
import { type Logger, pino } from 'pino';

/** An incoming X-Request-Id is reused when it is 1-128 of `A-Z a-z 0-9 . _ : -` (the demo's rule). */
const SAFE_ID = /^[\w.:-]{1,128}$/;

/** The request id: the incoming header when safe, else a new UUID (as the demo's requestLogger). */
export function requestId(incoming: string | string[] | undefined): string {
  return typeof incoming === 'string' && SAFE_ID.test(incoming) ? incoming : randomUUID();
}

/**
 * helmet's options that send the headers the demo's securityMiddleware sends with its default
 * settings (nosniff, Referrer-Policy same-origin, COOP same-origin, X-Frame-Options DENY) and
 * none of helmet's other defaults (no CSP, CORP, HSTS … : the demo does not send them either).
 */
export const HELMET_OPTIONS = {
  contentSecurityPolicy: false,
  crossOriginEmbedderPolicy: false,
  crossOriginOpenerPolicy: { policy: 'same-origin' },
  crossOriginResourcePolicy: false,
  originAgentCluster: false,
  referrerPolicy: { policy: 'same-origin' },
  strictTransportSecurity: false,
  xContentTypeOptions: true,
  xDnsPrefetchControl: false,
  xDownloadOptions: false,
  xFrameOptions: { action: 'deny' },
  xPermittedCrossDomainPolicies: false,
  xXssProtection: false,
} as const;

/** The headers the article list carries besides the security ones (the demo's locale and page cache add them). */
export const PAGE_HEADERS = { vary: 'Accept-Language, Cookie', 'cache-control': 'no-cache' } as const;

/** The page cache's lifetime, as the demo's PAGE_CACHE_SECONDS in the bench. */
export const PAGE_CACHE_SECONDS = 300;

/**
 * A pino logger writing JSON lines to `file`, as every stack in the bench logs (the demo gets
 * the same logger through `createDemo`'s `logger` option). The lines go out in 4 KB batches
 * through @adv/deploy's `logDestination` (one write per batch instead of one per line: the
 * write was the larger half of the request log's cost, #18). All three stacks share it, so the
 * comparison stays like for like; `BENCH_LOG=sync` gives them all `pino.destination` with its
 * defaults (a write per line) instead.
 */
export function fileLogger(file: string): Logger {
  const destination =
    process.env.BENCH_LOG === 'sync' ? pino.destination({ dest: file, mkdir: true }) : logDestination({ dest: file });
  return pino({ level: 'info' }, destination);
}
