import { CacheError } from '../errors.js';
import { decodeEntry } from '../payload.js';

/** Adds `delta` to a stored string holding an integer (absent: 0); throws `ERR_NOT_INTEGER` otherwise. */
export function addInteger(raw: string | undefined, delta: number, key: string): number {
  if (raw === undefined) return delta;
  const entry = decodeEntry(raw);
  if (entry === undefined || typeof entry.v !== 'number' || !Number.isSafeInteger(entry.v)) {
    throw new CacheError('ERR_NOT_INTEGER', `Expected the value at \`${key}\` to be an integer to increment`);
  }
  const next = entry.v + delta;
  if (!Number.isSafeInteger(next)) {
    throw new CacheError('ERR_NOT_INTEGER', `Incrementing \`${key}\` by ${delta} leaves the safe integer range`);
  }
  return next;
}
