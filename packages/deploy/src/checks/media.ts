import { isAbsolute, relative, resolve } from 'node:path';
import type { Check, Finding } from './types.js';

/** Whether `inner` is `outer` or a directory below it. */
function isInside(inner: string, outer: string): boolean {
  const rel = relative(resolve(outer), resolve(inner));
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Whether one URL prefix is the other or starts with it (`/static/` and `/static/media/`). */
function overlaps(a: string, b: string): boolean {
  const [x, y] = [a, b].map((u) => (u.endsWith('/') ? u : `${u}/`)) as [string, string];
  return x.startsWith(y) || y.startsWith(x);
}

/** The media-file checks (user uploads): ids `adv.E021` … `adv.W025`. */
export const mediaChecks: readonly Check[] = [
  (s) => {
    if (!s.MEDIA_ROOT || !s.STATIC_ROOT) return [];
    if (!isInside(s.MEDIA_ROOT, s.STATIC_ROOT) && !isInside(s.STATIC_ROOT, s.MEDIA_ROOT)) return [];
    return [
      {
        id: 'adv.E021',
        level: 'error',
        message: `MEDIA_ROOT (${s.MEDIA_ROOT}) and STATIC_ROOT (${s.STATIC_ROOT}) overlap: collectStatic can overwrite or delete uploads, and an upload can take the place of a script or stylesheet served as the site's own.`,
        hint: 'Give user uploads their own directory outside STATIC_ROOT, e.g. MEDIA_ROOT=/var/lib/app/media.',
      },
    ];
  },
  (s) =>
    overlaps(s.MEDIA_URL, s.STATIC_URL)
      ? [
          {
            id: 'adv.E022',
            level: 'error',
            message: `MEDIA_URL (${s.MEDIA_URL}) and STATIC_URL (${s.STATIC_URL}) overlap: uploads would be served with the long immutable caching and trust of the site's own files, or shadow them.`,
            hint: 'Use distinct prefixes, e.g. STATIC_URL=/static/ and MEDIA_URL=/media/.',
          },
        ]
      : [],
  (s, context) => {
    const codeRoot = context.codeRoot ?? process.cwd();
    if (!s.MEDIA_ROOT || !isInside(s.MEDIA_ROOT, codeRoot)) return [];
    return [
      {
        id: 'adv.W023',
        level: 'warning',
        message: `MEDIA_ROOT (${s.MEDIA_ROOT}) is inside the code tree (${codeRoot}): a redeploy replaces or loses the uploads, and they sit next to code a misconfigured server could run.`,
        hint: 'Keep uploads on a persistent volume outside the app, e.g. MEDIA_ROOT=/var/lib/app/media, or in S3 (s3Storage).',
      },
    ];
  },
  (s) =>
    s.MEDIA_MAX_UPLOAD_BYTES === 0
      ? [
          {
            id: 'adv.W024',
            level: 'warning',
            message:
              'MEDIA_MAX_UPLOAD_BYTES is 0: uploads are unbounded, so one client can fill the disk or tie up a worker.',
            hint: 'Set MEDIA_MAX_UPLOAD_BYTES (e.g. 10485760) and pass it to handleUpload({ maxFileBytes }) and to the nginx config (client_max_body_size).',
          },
        ]
      : [],
  (s, context): Finding[] =>
    s.MEDIA_ROOT && context.behindProxy === false && !s.DEBUG
      ? [
          {
            id: 'adv.W025',
            level: 'warning',
            message:
              'Media files are served by the app process with no proxy in front (context.behindProxy is false): every download holds a Node worker, and slow clients can exhaust it.',
            hint: 'Serve MEDIA_URL from nginx (generateNginxConfig({ mediaRoot, mediaUrl })) or a CDN in front of S3.',
          },
        ]
      : [],
];
