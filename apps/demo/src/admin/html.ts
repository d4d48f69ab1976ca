const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Text safe inside HTML content and quoted attributes. */
export function escapeHtml(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

/** Characters of one value shown in a table before it is cut (a huge error message stays readable). */
export const VALUE_CHARS = 500;

/** A value for a table cell: escaped, cut at {@link VALUE_CHARS}. */
export function cell(value: unknown): string {
  const text = typeof value === 'string' ? value : value instanceof Date ? value.toISOString() : showJson(value);
  return escapeHtml(text.length > VALUE_CHARS ? `${text.slice(0, VALUE_CHARS)}… (${text.length} characters)` : text);
}

function showJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** A table from a header row and rows of raw values (each escaped by {@link cell}). */
export function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string {
  if (rows.length === 0) return '<p class="empty">Nothing to show.</p>';
  const th = head.map((h) => `<th>${escapeHtml(h)}</th>`).join('');
  const body = rows.map((row) => `<tr>${row.map((v) => `<td>${cell(v)}</td>`).join('')}</tr>`).join('');
  return `<table><thead><tr>${th}</tr></thead><tbody>${body}</tbody></table>`;
}

/** Nested stats (`{ totals: { hits: 3 } }`) as `[['totals.hits', 3]]` rows, for a generic table. */
export function flatten(value: unknown, prefix = ''): [string, unknown][] {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || value instanceof Date) {
    return [[prefix || 'value', value]];
  }
  return Object.entries(value).flatMap(([key, inner]) => flatten(inner, prefix ? `${prefix}.${key}` : key));
}

/** A form that POSTs to `action` with the CSRF token and one button. */
export function postButton(action: string, csrf: string, label: string): string {
  return `<form method="post" action="${escapeHtml(action)}"><input type="hidden" name="csrf" value="${escapeHtml(csrf)}"><button type="submit">${escapeHtml(label)}</button></form>`;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:0;background:#f6f7f9;color:#1f2328}
header{background:#24292f;color:#fff;padding:.6em 1em;display:flex;gap:1em;align-items:center;flex-wrap:wrap}
header a{color:#fff;text-decoration:none}header a:hover{text-decoration:underline}header form{margin-left:auto}
main{padding:1em 1.5em;max-width:70em}table{border-collapse:collapse;background:#fff;margin:.5em 0}
td,th{border:1px solid #d0d7de;padding:.35em .6em;text-align:left;vertical-align:top}
.ok{color:#1a7f37}.bad{color:#cf222e}.msg{background:#fff8c5;border:1px solid #d4a72c;padding:.5em 1em}
.empty{color:#57606a}form{display:inline}label{display:block;margin:.5em 0}`;

/** The links of the area's navigation, relative to its base path. */
export const NAV: readonly (readonly [path: string, label: string])[] = [
  ['/', 'Overview'],
  ['/tasks/', 'Tasks'],
  ['/cache', 'Cache'],
  ['/realtime', 'Realtime'],
  ['/health', 'Health'],
  ['/deploy', 'Deploy checks'],
  ['/backups', 'Backups'],
  ['/audit', 'Audit'],
];

/** A whole page of the area; `nav` (with the logout button) only for a signed-in admin. */
export function layout(options: {
  base: string;
  title: string;
  body: string;
  message?: string | undefined;
  nav?: { csrf: string } | undefined;
}): string {
  const { base, title, body, message, nav } = options;
  const links = nav
    ? `${NAV.map(([path, label]) => `<a href="${escapeHtml(base + path)}">${escapeHtml(label)}</a>`).join('')}${postButton(`${base}/logout`, nav.csrf, 'Log out')}`
    : '';
  const note = message ? `<p class="msg" role="status">${escapeHtml(message)}</p>` : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${escapeHtml(title)} · admin</title><style>${STYLE}</style></head>
<body><header><strong>adv admin</strong>${links}</header><main><h1>${escapeHtml(title)}</h1>${note}${body}</main></body></html>`;
}

/** Headers of every page of the area: never cached, never framed, no script at all. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-robots-tag': 'noindex',
  'referrer-policy': 'same-origin',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

/** A page response with {@link PAGE_HEADERS}. */
export function htmlResponse(html: string, status = 200, headers: Record<string, string> = {}): Response {
  return new Response(html, { status, headers: { ...PAGE_HEADERS, ...headers } });
}
