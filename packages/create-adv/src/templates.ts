import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CreateAdvError } from './errors.js';
import type { Backends, TemplateName } from './options.js';

/** The package root: this file sits in `src/` (tests) or `dist/` (published), one level down. */
export const packageRoot = fileURLToPath(new URL('../', import.meta.url)).replace(/\/$/, '');

/** A template's `template.json`: what the app's package.json and tsconfig are made of. */
export interface TemplateDescriptor {
  name: TemplateName;
  description: string;
  /** `engines.node` when the template needs more than the packages do (`util.parseEnv`: 20.12). */
  nodeEngine?: string;
  /** The `@adv/*` packages the app depends on (versions come from {@link SharedConfig}). */
  adv: string[];
  scripts: Record<string, string>;
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  /** Dependencies added for a backend choice (e.g. `pg` when PostgreSQL is chosen). */
  backendDependencies: Partial<Record<keyof Backends, Record<string, string>>>;
  /** Dependencies with an install script to allow (npm 11's `allowScripts`). */
  nativeModules: string[];
  /** The app's tsconfig without the base options (inlined from {@link SharedConfig}). */
  tsconfig: { compilerOptions?: Record<string, unknown> } & Record<string, unknown>;
}

/** What the templates take from the monorepo at pack time (dist/templates/shared.json). */
export interface SharedConfig {
  advVersions: Record<string, string>;
  devTools: Record<string, string>;
  nodeEngine: string;
  allowScripts: Record<string, boolean>;
  tsconfigBase: Record<string, unknown>;
  biome: Record<string, unknown>;
}

/** A loaded template: its descriptor, README body and files (relative path → content). */
export interface Template {
  descriptor: TemplateDescriptor;
  readmeBody: string;
  files: Map<string, Buffer>;
}

/** Where a template lives: `board` is generated into dist/ at build time, `minimal` is in templates/. */
export function templateDir(name: TemplateName): string {
  return name === 'board' ? join(packageRoot, 'dist', 'templates', 'board') : join(packageRoot, 'templates', name);
}

const missing = (what: string) =>
  new CreateAdvError(
    'ERR_TEMPLATE_MISSING',
    `${what} is missing from create-adv (a broken install, or, in its repository, run \`npm run build --workspace create-adv\`)`,
  );

function readTree(dir: string, base = dir, out = new Map<string, Buffer>()): Map<string, Buffer> {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = join(dir, entry.name);
    if (entry.isDirectory()) readTree(full, base, out);
    else out.set(relative(base, full).split(sep).join('/'), readFileSync(full));
  }
  return out;
}

/** Reads a template from disk. */
export function loadTemplate(name: TemplateName): Template {
  const dir = templateDir(name);
  const descriptorFile = join(dir, 'template.json');
  if (!existsSync(descriptorFile)) throw missing(`The ${name} template (${descriptorFile})`);
  return {
    descriptor: JSON.parse(readFileSync(descriptorFile, 'utf8')) as TemplateDescriptor,
    readmeBody: readFileSync(join(dir, 'README.body.md'), 'utf8'),
    files: readTree(join(dir, 'files')),
  };
}

/** Reads dist/templates/shared.json. */
export function loadShared(): SharedConfig {
  const file = join(packageRoot, 'dist', 'templates', 'shared.json');
  if (!existsSync(file)) throw missing(`The versions file (${file})`);
  return JSON.parse(readFileSync(file, 'utf8')) as SharedConfig;
}
