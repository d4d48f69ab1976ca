/**
 * Whether an upgrade request's `Origin` is allowed (Channels' `OriginValidator`). Patterns are
 * full origins (`https://app.example.com`), hosts (`example.com`, with any scheme and port),
 * wildcard subdomains (`*.example.com`, which also matches `example.com`) or `'*'`.
 * Without patterns, the origin's host must equal the request's `Host`. A missing `Origin`
 * (a non-browser client, which could forge it anyway) is allowed.
 */
export function originAllowed(request: Request, patterns: readonly string[] | undefined): boolean {
  const origin = request.headers.get('origin');
  if (origin === null) return true;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  if (patterns === undefined) {
    const host = request.headers.get('host');
    return host !== null && parsed.host.toLowerCase() === host.toLowerCase();
  }
  const hostname = parsed.hostname.toLowerCase();
  for (const raw of patterns) {
    const pattern = raw.toLowerCase();
    if (pattern === '*') return true;
    if (pattern.includes('://')) {
      if (pattern.replace(/\/$/, '') === parsed.origin.toLowerCase()) return true;
    } else if (pattern.startsWith('*.')) {
      const base = pattern.slice(2);
      if (hostname === base || hostname.endsWith(`.${base}`)) return true;
    } else if (pattern === hostname || pattern === parsed.host.toLowerCase()) return true;
  }
  return false;
}
