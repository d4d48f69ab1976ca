import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, extname, join, posix, relative, sep } from 'node:path';
import { promisify } from 'node:util';
import { brotliCompress, gzip, constants as zlib } from 'node:zlib';
import type { OptionKeys } from '@adv/types';
import { DeployError, invalidOption } from '../errors.js';
import { deployOptions } from '../options.js';
import { MANIFEST_NAME, type StaticManifest } from './manifest.js';

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

/** Options of {@link collectStatic}. */
export interface CollectStaticOptions {
  /**
   * Hex characters of the MD5 content hash put into each name (Django: 12).
   * @defaultValue `12`
   */
  hashLength?: number | undefined;
  /**
   * Precompressed copies to write next to each compressible file (WhiteNoise's CompressedManifestStaticFilesStorage).
   * @defaultValue `['gzip', 'br']`
   */
  compress?: readonly ('gzip' | 'br')[] | undefined;
  /**
   * Files smaller than this many bytes are not compressed.
   * @defaultValue `256`
   */
  minCompressBytes?: number | undefined;
  /** Stops the run between files (rejecting with the signal's reason); the manifest is written last, so an aborted run leaves the previous manifest in place. */
  signal?: AbortSignal | undefined;
}

/** Defaults of {@link CollectStaticOptions}. */
export const COLLECT_STATIC_DEFAULTS = { hashLength: 12, compress: ['gzip', 'br'], minCompressBytes: 256 } as const;

const COLLECT_STATIC_KEYS: OptionKeys<CollectStaticOptions> = {
  hashLength: true,
  compress: true,
  minCompressBytes: true,
  signal: true,
};

/** What {@link collectStatic} did. */
export interface CollectStaticResult {
  /** The manifest written to `dest/staticfiles.json`. */
  manifest: StaticManifest;
  /** Source files collected. */
  files: number;
  /** `.gz` and `.br` files written. */
  compressed: number;
}

/** Extensions already compressed, where gzip/brotli would only waste space (WhiteNoise's skip list, shortened). */
const INCOMPRESSIBLE = new Set(
  '.jpg .jpeg .png .gif .webp .avif .ico .zip .gz .tgz .bz2 .br .xz .7z .rar .woff .woff2 .mp3 .mp4 .ogg .webm .pdf'.split(
    ' ',
  ),
);

async function walk(root: string, dir = root): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    if (entry.name.startsWith('.')) continue; // never publish dotfiles (.env, .git)
    const full = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(root, full)));
    else if (entry.isFile()) out.push(relative(root, full).split(sep).join('/'));
  }
  return out;
}

function hashedName(name: string, content: Buffer, length: number): string {
  const digest = createHash('md5').update(content).digest('hex').slice(0, length);
  const ext = posix.extname(name);
  return `${name.slice(0, name.length - ext.length)}.${digest}${ext}`;
}

/** Rewrites relative `url(...)` and `@import "..."` references in CSS to hashed names (Django's HashedFilesMixin). */
function rewriteCss(name: string, css: string, paths: Record<string, string>): string {
  const resolveRef = (url: string): string | undefined => {
    if (/^([a-z][a-z0-9+.-]*:|\/|#)/i.test(url)) return undefined; // data:, https:, //host, /absolute, #fragment
    const cut = url.search(/[?#]/);
    const path = cut === -1 ? url : url.slice(0, cut);
    const rest = cut === -1 ? '' : url.slice(cut);
    const hashed = paths[posix.normalize(posix.join(posix.dirname(name), path))];
    return hashed ? `${posix.relative(posix.dirname(name), hashed)}${rest}` : undefined;
  };
  return css
    .replace(/url\(\s*(['"]?)([^'")]+?)\1\s*\)/g, (match, quote: string, url: string) => {
      const ref = resolveRef(url);
      return ref ? `url(${quote}${ref}${quote})` : match;
    })
    .replace(/@import\s+(['"])([^'"]+)\1/g, (match, quote: string, url: string) => {
      const ref = resolveRef(url);
      return ref ? `@import ${quote}${ref}${quote}` : match;
    });
}

/**
 * Django's `collectstatic` with ManifestStaticFilesStorage plus WhiteNoise's compression:
 * copies every file from `src` to `dest` twice (original and content-hashed name, e.g.
 * `app.3f2a9c01b4d7.css`), rewrites CSS `url()`s to hashed names, writes `.gz` and `.br`
 * copies where they are smaller, and writes `staticfiles.json`. Dotfiles are never copied.
 *
 * @example
 * ```ts
 * const { manifest } = await collectStatic('assets', 'dist/static');
 * manifest.paths['css/app.css']; // 'css/app.3f2a9c01b4d7.css'
 * ```
 */
export async function collectStatic(
  src: string,
  dest: string,
  options?: CollectStaticOptions,
): Promise<CollectStaticResult> {
  const o = resolveCollectOptions(src, dest, options);
  const { hashLength, signal } = o;
  await checkSource(src);
  const names = (await walk(src)).sort();
  const paths: Record<string, string> = {};
  let compressed = 0;
  // Each content is compressed once (zlib runs on the libuv pool, so a few files at a time use
  // every core) and written under both names.
  const emit = async (name: string, content: Buffer) => {
    signal?.throwIfAborted();
    const variants = await compressedVariants(name, content, o);
    compressed += await writeCopies(dest, new Set([name, paths[name] ?? name]), content, variants);
  };
  await inParallel(
    names.filter((n) => !isCss(n)),
    async (name) => {
      const content = await readFile(join(src, name));
      paths[name] = hashedName(name, content, hashLength);
      await emit(name, content);
    },
  );
  const css = await hashCss(src, names.filter(isCss), paths, hashLength);
  await inParallel([...css], ([name, content]) => emit(name, content));
  signal?.throwIfAborted();
  const manifest = await writeManifest(dest, paths);
  return { manifest, files: names.length, compressed };
}

function resolveCollectOptions(src: string, dest: string, options: CollectStaticOptions | undefined) {
  if (typeof src !== 'string' || src === '') invalidOption('src', 'a directory path', src);
  if (typeof dest !== 'string' || dest === '') invalidOption('dest', 'a directory path', dest);
  const o = deployOptions('collectStatic', options, COLLECT_STATIC_KEYS, COLLECT_STATIC_DEFAULTS);
  const { hashLength, compress, minCompressBytes, signal } = o;
  if (signal !== undefined && !(signal instanceof AbortSignal)) invalidOption('signal', 'an AbortSignal', signal);
  signal?.throwIfAborted();
  if (!Number.isInteger(hashLength) || hashLength < 6 || hashLength > 32) {
    invalidOption('hashLength', 'an integer from 6 to 32', hashLength);
  }
  if (!Array.isArray(compress) || compress.some((c) => c !== 'gzip' && c !== 'br')) {
    invalidOption('compress', "an array of 'gzip' and 'br'", compress);
  }
  if (!Number.isInteger(minCompressBytes) || minCompressBytes < 0) {
    invalidOption('minCompressBytes', 'a non-negative integer of bytes', minCompressBytes);
  }
  return o;
}

async function checkSource(src: string): Promise<void> {
  try {
    if (!(await stat(src)).isDirectory()) throw new Error('not a directory');
  } catch (error) {
    throw new DeployError('ERR_STATIC_SOURCE', `Expected \`src\` to be an existing directory, got \`${src}\``, {
      cause: error,
    });
  }
}

const isCss = (name: string) => extname(name).toLowerCase() === '.css';

/** The `.gz` / `.br` copies worth writing: compressible files only, and only where 5% smaller or better. */
async function compressedVariants(
  name: string,
  content: Buffer,
  o: { compress: readonly ('gzip' | 'br')[]; minCompressBytes: number },
): Promise<[string, Buffer][]> {
  const variants: [string, Buffer][] = [];
  if (content.length < o.minCompressBytes || INCOMPRESSIBLE.has(extname(name).toLowerCase())) return variants;
  for (const kind of o.compress) {
    const packed =
      kind === 'gzip'
        ? await gzipAsync(content, { level: 9 })
        : await brotliAsync(content, {
            params: { [zlib.BROTLI_PARAM_QUALITY]: 11, [zlib.BROTLI_PARAM_SIZE_HINT]: content.length },
          });
    if (packed.length < content.length * 0.95) variants.push([kind === 'gzip' ? 'gz' : 'br', packed]); // else not worth a variant
  }
  return variants;
}

/** Writes `content` and its variants under each of `outs` (relative `/` names); resolves with the variants written. */
async function writeCopies(
  dest: string,
  outs: ReadonlySet<string>,
  content: Buffer,
  variants: readonly [string, Buffer][],
): Promise<number> {
  let written = 0;
  for (const out of outs) {
    const file = join(dest, ...out.split('/'));
    await mkdir(dirname(file), { recursive: true });
    await writeFile(file, content);
    for (const [suffix, packed] of variants) {
      await writeFile(`${file}.${suffix}`, packed);
      written++;
    }
  }
  return written;
}

/**
 * Runs `work` on the items a few at a time (one lane per core, plus one). Every lane stops at its
 * next item once one fails, and the call settles only when all have (no write lands in `dest`
 * after collectStatic has rejected).
 */
async function inParallel<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Math.max(1, Math.min(items.length, availableParallelism() + 1));
  let failed = false;
  const results = await Promise.allSettled(
    Array.from({ length: lanes }, async () => {
      while (!failed && next < items.length) {
        try {
          await work(items[next++] as T);
        } catch (error) {
          failed = true;
          throw error;
        }
      }
    }),
  );
  const rejected = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (rejected) throw rejected.reason;
}

/**
 * CSS may reference CSS (@import, url()): rewrites and re-hashes until the names settle, at most
 * 5 passes (Django's max_post_process_passes). Sets the CSS files' hashed names in `paths` and
 * resolves with their rewritten contents.
 */
async function hashCss(
  src: string,
  names: readonly string[],
  paths: Record<string, string>,
  hashLength: number,
): Promise<Map<string, Buffer>> {
  const css = new Map<string, string>();
  for (const name of names) css.set(name, await readFile(join(src, name), 'utf8'));
  const output = new Map<string, Buffer>();
  for (let pass = 0; pass < 5; pass++) {
    let changed = false;
    for (const [name, source] of css) {
      const content = Buffer.from(rewriteCss(name, source, paths));
      const hashed = hashedName(name, content, hashLength);
      output.set(name, content);
      if (paths[name] !== hashed) {
        paths[name] = hashed;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return output;
}

/** Writes `staticfiles.json`, sorted (files finish in any order) so the manifest and its hash depend on the content alone. */
async function writeManifest(dest: string, paths: Record<string, string>): Promise<StaticManifest> {
  const sorted = Object.fromEntries(Object.entries(paths).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const hash = createHash('md5').update(JSON.stringify(sorted)).digest('hex').slice(0, 12);
  const manifest: StaticManifest = { version: '1.1', paths: sorted, hash };
  await mkdir(dest, { recursive: true });
  await writeFile(join(dest, MANIFEST_NAME), `${JSON.stringify(manifest, null, 2)}\n`);
  return manifest;
}
