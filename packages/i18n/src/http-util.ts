/**
 * Reads one cookie by name from a `Cookie` header. Hand-written: it is ten lines, and the
 * `cookie` package would be the only dependency of the middleware for this.
 */
export function readCookie(header: string | null, name: string): string | undefined {
  if (!header) return undefined;
  for (const pair of header.split(';')) {
    const eq = pair.indexOf('=');
    if (eq === -1 || pair.slice(0, eq).trim() !== name) continue;
    const raw = pair
      .slice(eq + 1)
      .trim()
      .replace(/^"(.*)"$/, '$1');
    try {
      return decodeURIComponent(raw);
    } catch {
      return undefined;
    }
  }
  return undefined;
}

/** Adds names to a response's `Vary` header once each, keeping what is there. */
export function appendVary(headers: Headers, names: readonly string[]): void {
  const current = headers.get('Vary');
  if (current?.trim() === '*') return;
  const present = new Set((current ?? '').split(',').map((name) => name.trim().toLowerCase()));
  const added = names.filter((name) => !present.has(name.toLowerCase()));
  if (added.length > 0) headers.set('Vary', current ? `${current}, ${added.join(', ')}` : added.join(', '));
}

// Runs `edit` on a response's headers, on a copy when they are immutable: the one of `@adv/types`.
export { withHeaders } from '@adv/types';

/** The first path segment, if any: `/pt-br/about` -> `pt-br`. */
export function firstSegment(pathname: string): string | undefined {
  const end = pathname.indexOf('/', 1);
  const segment = end === -1 ? pathname.slice(1) : pathname.slice(1, end);
  return segment.length > 0 ? segment : undefined;
}
