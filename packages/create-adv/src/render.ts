import { readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { minimalWorkflow } from './ci.js';
import { envExample } from './env-file.js';
import { CreateAdvError } from './errors.js';
import { assertAppName } from './name.js';
import { type Backends, type RenderOptions, resolveRenderOptions, type TemplateName } from './options.js';
import { appReadme } from './readme.js';
import { loadShared, loadTemplate, type SharedConfig } from './templates.js';

/** A rendered app: relative path → file content. */
export type AppFiles = Map<string, string | Buffer>;

/** Files the minimal template takes from the board's (apps/demo's): the release workflow and changesets. */
const FROM_BOARD = ['.github/workflows/release.yml', '.changeset/config.json', '.changeset/README.md'];

const sortKeys = (record: Record<string, string>) =>
  Object.fromEntries(Object.entries(record).sort(([a], [b]) => (a < b ? -1 : 1)));

/**
 * JSON as Biome formats it (the app's lint checks these files too): two-space indents, and
 * arrays of strings on one line when they fit in 120 columns.
 */
export function toJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2).replace(
    /^( *)("[^"]+": )\[\n((?: *"[^"\n]*",?\n)+) *\]/gm,
    (all, indent: string, key: string, items: string) => {
      const line = `${indent}${key}[${items.trim().split(/,\n */).join(', ')}]`;
      return line.length <= 120 ? line : all;
    },
  )}\n`;
}

/** `@adv/*` name → dependency spec: the published version, or a `file:` tarball from `advSource`. */
export function advSpecs(names: readonly string[], shared: SharedConfig, advSource?: string): Record<string, string> {
  const specs: Record<string, string> = {};
  const tarballs = advSource === undefined ? [] : listTarballs(advSource);
  for (const name of names) {
    const version = shared.advVersions[name];
    if (version === undefined) throw new CreateAdvError('ERR_TEMPLATE_MISSING', `No version of ${name} in create-adv`);
    if (advSource === undefined) {
      specs[name] = `^${version}`;
      continue;
    }
    const file = `${name.slice(1).replace('/', '-')}-${version}.tgz`; // npm pack's name: adv-cache-0.1.0.tgz
    if (!tarballs.includes(file)) {
      throw new CreateAdvError(
        'ERR_ADV_SOURCE',
        `--adv-source ${advSource} has no ${file} (npm pack of ${name}@${version}); it holds: ${tarballs.join(', ') || 'no .tgz file'}`,
      );
    }
    specs[name] = `file:${join(resolve(advSource), file)}`;
  }
  return specs;
}

function listTarballs(dir: string): string[] {
  try {
    return readdirSync(dir).filter((file) => file.endsWith('.tgz'));
  } catch (error) {
    throw new CreateAdvError('ERR_ADV_SOURCE', `--adv-source ${dir} cannot be read`, { cause: error });
  }
}

/** The app's package.json. */
export function appManifest(
  name: string,
  template: TemplateName,
  backends: Backends,
  shared: SharedConfig,
  advSource?: string,
): Record<string, unknown> {
  const { descriptor } = loadTemplate(template);
  const dependencies: Record<string, string> = {
    ...advSpecs(descriptor.adv, shared, advSource),
    ...descriptor.dependencies,
  };
  for (const key of ['redis', 'postgres'] as const) {
    if (backends[key]) Object.assign(dependencies, descriptor.backendDependencies[key]);
  }
  const devDependencies = { ...descriptor.devDependencies, ...shared.devTools };
  const allowScripts: Record<string, boolean> = {};
  // esbuild (under vitest) and the template's native modules run install scripts: npm 11 asks for them.
  for (const module of ['esbuild', ...descriptor.nativeModules]) allowScripts[module] = true;
  return {
    name,
    version: '0.1.0',
    private: true,
    type: 'module',
    description: descriptor.description,
    engines: { node: descriptor.nodeEngine ?? shared.nodeEngine },
    scripts: descriptor.scripts,
    dependencies: sortKeys(dependencies),
    devDependencies: sortKeys(devDependencies),
    allowScripts,
  };
}

/**
 * Renders an app in memory: the template's files plus its package.json, tsconfig.json,
 * biome.json, .gitignore, .env.example, README.md and CI workflow for the choices made.
 * Nothing is written; {@link createApp} writes the result.
 */
export function renderApp(options: RenderOptions): AppFiles {
  const o = resolveRenderOptions(options);
  assertAppName(o.name);
  const shared = loadShared();
  const { descriptor, readmeBody, files: templateFiles } = loadTemplate(o.template);
  const files: AppFiles = new Map();
  for (const [path, content] of templateFiles) {
    files.set(path === '_gitignore' ? '.gitignore' : path, content);
  }
  if (o.template === 'minimal') {
    const board = loadTemplate('board').files;
    for (const path of FROM_BOARD) {
      const content = board.get(path);
      if (content === undefined) throw new CreateAdvError('ERR_TEMPLATE_MISSING', `The board template has no ${path}`);
      files.set(path, content);
    }
    files.set('.github/workflows/ci.yml', minimalWorkflow(o.backends));
  }
  const gitignore = String(files.get('.gitignore') ?? '');
  files.set('.gitignore', gitignore.split('\n').includes('.env') ? gitignore : `${gitignore.trimEnd()}\n.env\n`);
  files.set('package.json', toJson(appManifest(o.name, o.template, o.backends, shared, o.advSource)));
  files.set(
    'tsconfig.json',
    toJson({
      ...descriptor.tsconfig,
      compilerOptions: { ...shared.tsconfigBase, ...descriptor.tsconfig.compilerOptions },
    }),
  );
  files.set('biome.json', toJson(appBiome(shared.biome)));
  files.set('.env.example', envExample(o.template, o.backends));
  files.set('README.md', appReadme(o.name, o.template, descriptor.description, o.backends, readmeBody));
  return new Map([...files].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/**
 * The monorepo's Biome settings for a standalone app: without its version-control integration
 * (the app may have no git repository yet), ignoring what the app writes at run time instead.
 */
function appBiome(biome: Record<string, unknown>): Record<string, unknown> {
  const { vcs: _vcs, $schema: _schema, ...rest } = biome;
  const files = (rest.files ?? {}) as { includes?: string[] };
  const includes = [...(files.includes ?? ['**'])];
  for (const ignored of ['!**/data', '!**/coverage', '!**/.test-results.json']) {
    if (!includes.includes(ignored)) includes.push(ignored);
  }
  // The schema of the Biome the app installs (its range may pick a newer one than the monorepo's).
  return { $schema: './node_modules/@biomejs/biome/configuration_schema.json', ...rest, files: { ...files, includes } };
}
