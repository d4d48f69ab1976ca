import { LightHeaders } from './light-headers.js';

/** Flattens Fetch headers to Node's `[name, value, …]` form, keeping each Set-Cookie apart. */
export function nodeHeaders(headers: Headers): string[] {
  if (headers instanceof LightHeaders) return headers.toNodeList();
  const flat: string[] = [];
  headers.forEach((value, name) => {
    if (name !== 'set-cookie') flat.push(name, value);
  });
  for (const cookie of headers.getSetCookie()) flat.push('set-cookie', cookie);
  return flat;
}
