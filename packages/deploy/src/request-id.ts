import { randomUUID } from 'node:crypto';

/** Two lower-case hex digits for each byte value. */
const HEX = Array.from({ length: 256 }, (_, byte) => byte.toString(16).padStart(2, '0'));

let base = '';
let next = 256;

/**
 * The default request id of `requestLogger`: shaped like `crypto.randomUUID()`'s (36
 * characters, version 4, lower-case hex) at about a tenth of its cost. One random UUID serves
 * 256 ids, its first two hex digits counting from `00` to `ff`. Unique as random UUIDs are
 * (each run of 256 shares 114 fresh random bits, per process); not unguessable: an id reveals
 * the ones that follow it. Pass `generateId: randomUUID` where request ids must not be guessed
 * (they rarely need to be: an incoming `X-Request-Id` is trusted by default anyway).
 *
 * @example
 * ```ts
 * uniqueRequestId(); // '00b3c1e2-5f6a-4b7c-8d9e-0f1a2b3c4d5e', then '01b3c1e2-…'
 * ```
 */
export function uniqueRequestId(): string {
  if (next === 256) {
    base = randomUUID().slice(2);
    next = 0;
  }
  return (HEX[next++] as string) + base;
}
