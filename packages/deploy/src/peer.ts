import { createRequire } from 'node:module';
import { DeployError } from './errors.js';

/** An optional peer dependency of @adv/deploy, with the range we support and who needs it. */
export interface Peer {
  /** The npm package name, e.g. `prom-client`. */
  readonly name: string;
  /** The version range the package.json declares, shown in the error. */
  readonly range: string;
  /** What needs it, e.g. `createMetrics()`. */
  readonly feature: string;
}

const loaded = new Map<string, unknown>();

/**
 * Loads an optional peer dependency synchronously (pino and prom-client are CommonJS), resolved
 * from `from` (this file by default; a test passes a directory without the package). A missing
 * package becomes `ERR_MISSING_DEPENDENCY` naming what to install; any other failure (the
 * package is there but broken) is rethrown as is.
 */
export function loadPeer<T>(peer: Peer, from: string | URL = import.meta.url): T {
  const key = `${peer.name}\0${String(from)}`;
  if (loaded.has(key)) return loaded.get(key) as T;
  let module: T;
  try {
    module = createRequire(from)(peer.name) as T;
  } catch (error) {
    const code = (error as { code?: unknown } | null)?.code;
    const quoted = new RegExp(`['"]${peer.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}['"]`);
    if (code === 'MODULE_NOT_FOUND' && quoted.test(String((error as Error).message))) {
      throw new DeployError(
        'ERR_MISSING_DEPENDENCY',
        `${peer.feature} needs \`${peer.name}\` (${peer.range}), an optional peer dependency of @adv/deploy: install it with \`npm install ${peer.name}\``,
        { cause: error },
      );
    }
    throw error;
  }
  loaded.set(key, module);
  return module;
}
