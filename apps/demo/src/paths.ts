import { fileURLToPath } from 'node:url';

/**
 * The package root (`apps/demo/`). This file sits directly in `src/` (or `dist/` once built),
 * so one level up is the root whether the app runs from sources (vitest, tsx) or from `dist/`.
 * Templates, catalogs and static files are read from here, never from `dist/`.
 */
export const appRoot = fileURLToPath(new URL('../', import.meta.url));

/** Absolute path of a file or folder under the package root. */
export function fromRoot(...parts: string[]): string {
  return [appRoot.replace(/\/$/, ''), ...parts].join('/');
}
