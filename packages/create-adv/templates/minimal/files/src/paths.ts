import { fileURLToPath } from 'node:url';

/** The app's folder: this file sits in `src/` (tests) or `dist/` (built), one level down. */
export const appRoot = fileURLToPath(new URL('../', import.meta.url)).replace(/\/$/, '');
