import { expectedMessage, resolveOptions } from '@adv/types';
import { CreateAdvError } from './errors.js';

/** The templates create-adv writes. */
export const TEMPLATES = ['board', 'minimal'] as const;
/** A template: `board` (the full demo app) or `minimal` (one page, one task). */
export type TemplateName = (typeof TEMPLATES)[number];

/** The servers an app runs on besides its embedded defaults. */
export interface Backends {
  /** Redis for the cache (and, in `board`, BullMQ tasks and the WebSocket channel layer). */
  redis: boolean;
  /** PostgreSQL for the data (`board`) or the task queue (`minimal`). */
  postgres: boolean;
}

/** What {@link renderApp} needs: every choice made. */
export interface RenderOptions {
  /** The npm name of the app (its package.json `name`). @example `'my-app'` */
  name: string;
  /** Which template. @defaultValue `'minimal'` */
  template?: TemplateName | undefined;
  /** Servers besides the embedded defaults. @defaultValue `{ redis: false, postgres: false }` */
  backends?: Partial<Backends> | undefined;
  /**
   * A folder of `npm pack` tarballs (`adv-cache-0.1.0.tgz`, …): the app's `@adv/*` dependencies
   * then point at them (`file:` paths) instead of the published versions. For tests of unpublished
   * packages. Also read from the `CREATE_ADV_SOURCE` environment variable by the CLI.
   */
  advSource?: string | undefined;
}

/** {@link createApp}'s options: the rendering choices plus where and what to run. */
export interface CreateOptions extends RenderOptions {
  /** The folder to write (created if missing; must be empty). */
  directory: string;
  /** Run `git init` and a first commit. @defaultValue `true` */
  git?: boolean | undefined;
  /** Run `npm install`. @defaultValue `true` */
  install?: boolean | undefined;
  /** Progress lines (`writing files…`). @defaultValue no output */
  log?: ((line: string) => void) | undefined;
}

/** Defaults of {@link RenderOptions}, applied once. */
export const RENDER_DEFAULTS = {
  template: 'minimal' as TemplateName,
  backends: { redis: false, postgres: false } as Backends,
  advSource: undefined as string | undefined,
};

/** Defaults of {@link CreateOptions} beyond {@link RENDER_DEFAULTS}. */
export const CREATE_DEFAULTS = { ...RENDER_DEFAULTS, git: true, install: true, log: (_line: string) => {} };

const invalid = (message: string) => new CreateAdvError('ERR_INVALID_OPTION', message);

/** Validates the choices of a template (shared by renderApp and createApp). */
export function checkChoices(template: unknown, backends: unknown): { template: TemplateName; backends: Backends } {
  if (typeof template !== 'string' || !(TEMPLATES as readonly string[]).includes(template)) {
    throw invalid(`Expected \`template\` to be one of ${TEMPLATES.join(', ')}, got \`${String(template)}\``);
  }
  const bag = resolveOptions(backends as Partial<Backends>, {
    name: 'createApp',
    path: 'backends',
    keys: { redis: true, postgres: true },
    defaults: { redis: false, postgres: false },
    error: invalid,
  });
  for (const key of ['redis', 'postgres'] as const) {
    if (typeof bag[key] !== 'boolean') {
      throw invalid(expectedMessage(`backends.${key}`, 'a boolean', bag[key]));
    }
  }
  return { template: template as TemplateName, backends: { redis: bag.redis, postgres: bag.postgres } };
}

/** Resolves and validates {@link RenderOptions}. */
export function resolveRenderOptions(options: RenderOptions) {
  const o = resolveOptions(options, {
    name: 'renderApp',
    keys: { name: true, template: true, backends: true, advSource: true },
    defaults: RENDER_DEFAULTS,
    error: invalid,
  });
  return { ...o, ...checkChoices(o.template, o.backends) };
}

/** Resolves and validates {@link CreateOptions}. */
export function resolveCreateOptions(options: CreateOptions) {
  const o = resolveOptions(options, {
    name: 'createApp',
    keys: {
      name: true,
      template: true,
      backends: true,
      advSource: true,
      directory: true,
      git: true,
      install: true,
      log: true,
    },
    defaults: CREATE_DEFAULTS,
    error: invalid,
  });
  if (typeof o.directory !== 'string' || o.directory === '') {
    throw invalid(`Expected \`directory\` to be a non-empty string, got \`${String(o.directory)}\``);
  }
  return { ...o, ...checkChoices(o.template, o.backends) };
}
