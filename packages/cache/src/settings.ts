import type { Logger } from '@adv/types';
import type { Driver } from './drivers/types.js';
import type { CacheError } from './errors.js';
import type { KeyFunction } from './keys.js';
import type { L1 } from './two-tier.js';

/** Listener of the `error` event: every backend failure, whatever `onError` says. */
export type CacheErrorListener = (error: CacheError) => void;

/** Resolved settings a `Cache` runs with (built by `createCache`). */
export interface CacheSettings {
  driver: Driver;
  keyPrefix: string;
  version: number;
  keyFunction: KeyFunction;
  defaultTtl: number;
  defaultGrace: number;
  onError: 'log' | 'throw';
  logger: Logger;
  timeout: number | undefined;
  l1: L1 | undefined;
}
