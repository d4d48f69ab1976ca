import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeployError } from '../errors.js';

/** File name of the manifest `collectStatic` writes into the destination (Django's name). */
export const MANIFEST_NAME = 'staticfiles.json';

/** The manifest: original relative path → hashed relative path (Django's ManifestStaticFilesStorage format). */
export interface StaticManifest {
  /** Format version (Django writes `1.1`; we write `1.1` too, with `/` separators). */
  version: string;
  /** `css/app.css` → `css/app.3f2a9c01b4d7.css`. */
  paths: Record<string, string>;
  /** Hash over all hashed names, changes whenever any file does. */
  hash: string;
}

/**
 * Reads `staticfiles.json` from a collected directory.
 * @throws DeployError `ERR_MANIFEST` when missing or malformed
 */
export async function loadManifest(root: string): Promise<StaticManifest> {
  const path = join(root, MANIFEST_NAME);
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readFile(path, 'utf8'));
  } catch (error) {
    throw new DeployError('ERR_MANIFEST', `Could not read the static manifest \`${path}\`: run collectStatic first`, {
      cause: error,
    });
  }
  const manifest = parsed as Partial<StaticManifest>;
  if (
    typeof manifest !== 'object' ||
    manifest === null ||
    typeof manifest.paths !== 'object' ||
    manifest.paths === null
  ) {
    throw new DeployError('ERR_MANIFEST', `The static manifest \`${path}\` has no \`paths\` object`);
  }
  return { version: String(manifest.version ?? '1.1'), paths: manifest.paths, hash: String(manifest.hash ?? '') };
}

/**
 * The public URL of a static file, hashed when the manifest knows it (Django's `{% static %}`).
 * @example `staticUrl(manifest, 'css/app.css') // '/static/css/app.3f2a9c01b4d7.css'`
 */
export function staticUrl(manifest: StaticManifest | undefined, name: string, prefix = '/static/'): string {
  const clean = name.replace(/^\/+/, '');
  const base = prefix.endsWith('/') ? prefix : `${prefix}/`;
  return `${base}${manifest?.paths[clean] ?? clean}`;
}
