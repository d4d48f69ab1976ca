import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { DescribesBackend } from '@adv/types';
import { isAllowedHost, splitHost } from '../request-info.js';
import { MANIFEST_NAME } from '../static/manifest.js';
import type { Check, DeployContext, Finding } from './types.js';

/** Placeholder secrets copied from tutorials and `.env.example` files (lower-cased substrings). */
const PLACEHOLDERS = [
  'changeme',
  'change-me',
  'change_me',
  'replace-me',
  'replaceme',
  'your-secret',
  'secret-key',
  'keyboard cat',
  'insecure',
  'example',
  'password',
  'dev-secret',
  'notsecret',
  'xxxxxx',
];

/** Whether a secret is a known placeholder or default. */
export function isPlaceholderSecret(value: string | undefined): boolean {
  if (!value) return true;
  const lower = value.toLowerCase();
  return (
    ['secret', 'dev', 'development', 'test', 'default'].includes(lower) || PLACEHOLDERS.some((p) => lower.includes(p))
  );
}

function backendList(context: DeployContext): [string, DescribesBackend][] {
  const { backends } = context;
  if (!backends) return [];
  if (Array.isArray(backends)) return backends.map((b, i) => [`backends[${i}]`, b]);
  return Object.entries(backends as Record<string, DescribesBackend | undefined>).filter(
    (entry): entry is [string, DescribesBackend] => entry[1] !== undefined,
  );
}

async function newestMtime(dir: string): Promise<number> {
  let newest = 0;
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    // `parentPath` is Node 20.12+; `path` is its older name.
    const parent = entry.parentPath ?? (entry as { path?: string }).path ?? dir;
    newest = Math.max(newest, (await stat(join(parent, entry.name))).mtimeMs);
  }
  return newest;
}

/** Whether an ALLOWED_HOSTS entry names this machine only (`localhost`, `.localhost`, `127.x.x.x`, `[::1]`). */
function isLoopbackHost(host: string): boolean {
  const h = host.toLowerCase().replace(/\.$/, '');
  return (
    h === 'localhost' ||
    h === '.localhost' ||
    h.endsWith('.localhost') ||
    /^127(\.\d{1,3}){3}$/.test(h) ||
    h === '[::1]' ||
    h === '::1'
  );
}

/** Our own checks, beyond Django's (ids `adv.*`). */
export const advChecks: readonly Check[] = [
  (_s, context) => {
    const processes = context.processes ?? 1;
    if (processes <= 1) return [];
    return backendList(context)
      .filter(([, backend]) => !backend.backendInfo.sharedAcrossProcesses)
      .map(([role, backend]) => ({
        id: 'adv.E001',
        level: 'error' as const,
        message: `The ${role} backend (${backend.backendInfo.name}) keeps its state inside one process, but ${processes} processes run: each sees its own copy (stale caches, lost group messages, tasks run twice or never).`,
        hint: 'Use a backend shared across processes (Redis) or run a single process.',
      }));
  },
  (s) =>
    s.NODE_ENV === 'production'
      ? []
      : [
          {
            id: 'adv.W002',
            level: 'warning',
            message: `NODE_ENV is \`${s.NODE_ENV}\`, not \`production\`: many libraries run slower and print more in development mode.`,
            hint: 'Set NODE_ENV=production in the deployment environment.',
          },
        ],
  (s) =>
    [s.SECRET_KEY, ...s.SECRET_KEY_FALLBACKS].flatMap((key, index) =>
      key && isPlaceholderSecret(key)
        ? [
            {
              id: 'adv.E003',
              level: 'error' as const,
              message: `${index === 0 ? 'SECRET_KEY' : `SECRET_KEY_FALLBACKS[${index - 1}]`} is a placeholder or default value copied from an example: anyone can forge signed cookies and tokens.`,
              hint: `Generate one: node -e "console.log(require('node:crypto').randomBytes(48).toString('base64url'))"`,
            },
          ]
        : [],
    ),
  (_s, context) =>
    Object.entries(context.secrets ?? {})
      .filter(([, value]) => !value || [...value].length < 32 || new Set(value).size < 5 || isPlaceholderSecret(value))
      .map(([name]) => ({
        id: 'adv.W004',
        level: 'warning' as const,
        message: `The secret ${name} is missing, shorter than 32 characters, or a placeholder.`,
        hint: 'Use at least 32 random bytes from a secrets manager.',
      })),
  (_s, context) =>
    context.health?.readinessPath
      ? []
      : [
          {
            id: 'adv.W005',
            level: 'warning',
            message:
              'No readiness endpoint is configured: a load balancer cannot tell when this process should stop receiving traffic.',
            hint: 'Serve createHealth({ checks }).middleware and pass it as context.health.',
          },
        ],
  async (s, context) => {
    const root = context.static?.root ?? s.STATIC_ROOT;
    if (!root) return [];
    const manifestPath = join(root, MANIFEST_NAME);
    let manifestTime: number;
    try {
      JSON.parse(await readFile(manifestPath, 'utf8'));
      manifestTime = (await stat(manifestPath)).mtimeMs;
    } catch {
      return [
        {
          id: 'adv.E006',
          level: 'error',
          message: `Static files are not collected: ${manifestPath} is missing or unreadable, so hashed URLs cannot be resolved.`,
          hint: 'Run collectStatic(sourceDir, STATIC_ROOT) during the build.',
        },
      ];
    }
    if (!context.static?.sourceDir) return [];
    return (await newestMtime(context.static.sourceDir)) > manifestTime
      ? [
          {
            id: 'adv.W007',
            level: 'warning',
            message: `Static files changed in ${context.static.sourceDir} after the last collectStatic run: the served files are stale.`,
            hint: 'Run collectStatic again as part of every build.',
          },
        ]
      : [];
  },
  (_s, context) => {
    const { backup } = context;
    if (backup === false) return [];
    if (backup === undefined) {
      return [
        {
          id: 'adv.W008',
          level: 'warning',
          message: 'No backup is configured for the app data.',
          hint: 'Schedule backups and pass their status as context.backup, or pass backup: false if the app keeps no data.',
        },
      ];
    }
    const maxAge = backup.maxAgeSeconds ?? 86_400;
    const now = (context.now ?? Date.now)();
    const last = backup.lastBackupAt === null ? null : Number(backup.lastBackupAt);
    if (last !== null && now - last <= maxAge * 1000) return [];
    return [
      {
        id: 'adv.E009',
        level: 'error',
        message:
          last === null
            ? 'Backups are configured but none has been taken yet.'
            : `The last backup is ${Math.round((now - last) / 3_600_000)} h old, older than the allowed ${Math.round(maxAge / 3600)} h.`,
        hint: 'Check the backup task; take one now before deploying.',
      },
    ];
  },
  async function pendingMigrations(_s, context) {
    const source = context.pendingMigrations;
    if (!source) return [];
    const pending = typeof source === 'function' ? await source() : source;
    if (!Array.isArray(pending)) {
      throw new TypeError(`context.pendingMigrations returned ${typeof pending}, not an array of migration names`);
    }
    return pending.length === 0
      ? []
      : [
          {
            id: 'adv.E010',
            level: 'error',
            message: `${pending.length} migration(s) not applied: ${pending.slice(0, 5).join(', ')}${pending.length > 5 ? ', …' : ''}.`,
            hint: 'Apply migrations before (or as the first step of) the deploy.',
          },
        ];
  },
  (s) =>
    s.ALLOWED_HOSTS.includes('*')
      ? [
          {
            id: 'adv.W011',
            level: 'warning',
            message:
              "ALLOWED_HOSTS contains '*': any Host header is accepted, which enables host-header poisoning of absolute URLs (password-reset links, redirects).",
            hint: 'List the real host names.',
          },
        ]
      : [],
  (s) =>
    s.SECURE_HSTS_PRELOAD && (s.SECURE_HSTS_SECONDS < 31_536_000 || !s.SECURE_HSTS_INCLUDE_SUBDOMAINS)
      ? [
          {
            id: 'adv.W012',
            level: 'warning',
            message:
              'SECURE_HSTS_PRELOAD is set, but the preload list requires SECURE_HSTS_SECONDS of at least 31536000 (one year) and SECURE_HSTS_INCLUDE_SUBDOMAINS.',
            hint: 'Raise SECURE_HSTS_SECONDS to 31536000 and set SECURE_HSTS_INCLUDE_SUBDOMAINS=true, or drop preload.',
          },
        ]
      : [],
  (s, context) =>
    context.behindProxy && !s.SECURE_PROXY_SSL_HEADER
      ? [
          {
            id: 'adv.W014',
            level: 'warning',
            message:
              'The app runs behind a TLS-terminating proxy without SECURE_PROXY_SSL_HEADER: every request looks like plain HTTP, so SECURE_SSL_REDIRECT loops, HSTS is never sent, cookies are not marked Secure and CSRF origin checks reject HTTPS forms.',
            hint: 'Set SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto,https and make the proxy set (not append) that header.',
          },
        ]
      : [],
  (s, context) => {
    if (context.behindProxy !== false) return [];
    const trusted = [
      ...(s.SECURE_PROXY_SSL_HEADER ? [`SECURE_PROXY_SSL_HEADER (${s.SECURE_PROXY_SSL_HEADER[0]})`] : []),
      ...(s.USE_X_FORWARDED_HOST ? ['USE_X_FORWARDED_HOST (x-forwarded-host)'] : []),
    ];
    return trusted.length === 0
      ? []
      : [
          {
            id: 'adv.W017',
            level: 'warning' as const,
            message: `No proxy runs in front of the app (context.behindProxy is false), yet ${trusted.join(' and ')} trusts a forwarded header: any client can send it to pass plain HTTP off as HTTPS or to choose the host of absolute URLs.`,
            hint: 'Unset SECURE_PROXY_SSL_HEADER and USE_X_FORWARDED_HOST, or put a proxy in front that sets (not appends) those headers.',
          },
        ];
  },
  (s) => {
    const target = s.SECURE_SSL_REDIRECT ? s.SECURE_SSL_HOST : undefined;
    if (!target) return [];
    const host = splitHost(target);
    return host && isAllowedHost(host.domain, s.ALLOWED_HOSTS)
      ? []
      : [
          {
            id: 'adv.W019',
            level: 'warning' as const,
            message: `SECURE_SSL_HOST \`${target}\` is not in ALLOWED_HOSTS: every redirected request lands on a host securityMiddleware answers with 400.`,
            hint: 'Add the SECURE_SSL_HOST host to ALLOWED_HOSTS (or unset SECURE_SSL_HOST to redirect to the requested host).',
          },
        ];
  },
  (s) =>
    !s.DEBUG && s.ALLOWED_HOSTS.length > 0 && s.ALLOWED_HOSTS.every(isLoopbackHost)
      ? [
          {
            id: 'adv.W020',
            level: 'warning' as const,
            message: `ALLOWED_HOSTS lists only loopback names (${s.ALLOWED_HOSTS.join(', ')}) with DEBUG off: a development default left in production, so requests for the site's real host name get 400 (or a proxy rewrites Host and the check protects nothing).`,
            hint: 'Set ALLOWED_HOSTS to the public host names, e.g. ALLOWED_HOSTS=example.com,www.example.com.',
          },
        ]
      : [],
  (s) =>
    s.ALLOWED_HOSTS.filter(
      (host) => host !== '*' && !/^(\.?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*\.?|\[[0-9A-Fa-f:.]+\])$/.test(host),
    ).map((host) => ({
      id: 'adv.E015',
      level: 'error' as const,
      message: `ALLOWED_HOSTS entry \`${host}\` is not a host name (no scheme, port, path or spaces): it never matches, so requests are rejected with 400.`,
      hint: 'Write example.com or .example.com, not https://example.com/ or example.com:443.',
    })),
  (s) =>
    s.CSRF_TRUSTED_ORIGINS.filter((origin) => /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*[/?#]/i.test(origin)).map((origin) => ({
      id: 'adv.W016',
      level: 'warning' as const,
      message: `CSRF_TRUSTED_ORIGINS entry \`${origin}\` has a path or trailing slash: an origin is scheme://host[:port] only, so it never matches.`,
      hint: 'Write https://example.com, without a trailing slash.',
    })),
];

export type { Finding };
