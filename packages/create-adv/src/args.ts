import { parseArgs as parseNodeArgs } from 'node:util';
import { CreateAdvError } from './errors.js';
import { type Backends, TEMPLATES, type TemplateName } from './options.js';

/** The command line, parsed: `undefined` where the user gave nothing (a prompt or default decides). */
export interface CliArgs {
  directory: string | undefined;
  name: string | undefined;
  template: TemplateName | undefined;
  backends: Backends | undefined;
  install: boolean;
  git: boolean;
  yes: boolean;
  advSource: string | undefined;
  help: boolean;
  version: boolean;
}

/** `create-adv --help`. */
export const USAGE = `Usage: npm create adv@latest [directory] -- [options]
       npx create-adv [directory] [options]

Writes a new app on the adv packages into [directory] (new or empty).

Options:
  -t, --template <name>    board (the full demo: pages, WebSockets, tasks, SQLite) or minimal
                           (one page, one task); asked when omitted, minimal with --yes
  -b, --backends <list>    embedded, or a comma list of redis and postgres (e.g. redis,postgres)
      --redis              same as --backends redis (combines with --postgres)
      --postgres           same as --backends postgres
      --name <name>        the package name (default: the directory's name)
      --no-install         do not run npm install
      --no-git             do not run git init
  -y, --yes                no prompts: defaults for everything not given
      --adv-source <dir>   take the @adv/* packages from npm pack tarballs in <dir>
                           (also CREATE_ADV_SOURCE); for testing unpublished packages
  -h, --help               this help
  -v, --version            create-adv's version`;

const invalid = (message: string) =>
  new CreateAdvError('ERR_INVALID_ARGUMENT', `${message}\nRun create-adv --help for the options.`);

/** Parses `--backends embedded|redis|postgres|redis,postgres`. */
export function parseBackends(value: string): Backends {
  const items = value
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter(Boolean);
  if (items.length === 0) throw invalid('--backends needs a value: embedded, redis, postgres or redis,postgres');
  const backends: Backends = { redis: false, postgres: false };
  for (const item of items) {
    if (item === 'redis') backends.redis = true;
    else if (item === 'postgres' || item === 'postgresql' || item === 'pg') backends.postgres = true;
    else if (item !== 'embedded' && item !== 'none') {
      throw invalid(`Unknown backend "${item}" in --backends: use embedded, redis, postgres or redis,postgres`);
    }
  }
  if (items.some((item) => item === 'embedded' || item === 'none') && (backends.redis || backends.postgres)) {
    throw invalid(`--backends ${value}: "embedded" cannot be combined with a server`);
  }
  return backends;
}

/** Parses create-adv's arguments (without `node` and the script). Throws `ERR_INVALID_ARGUMENT`. */
export function parseArgs(argv: readonly string[]): CliArgs {
  let parsed: ReturnType<typeof parse>;
  try {
    parsed = parse(argv);
  } catch (error) {
    throw invalid((error as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
  const { values, positionals } = parsed;
  if (positionals.length > 1)
    throw invalid(`Expected one directory, got ${positionals.length}: ${positionals.join(' ')}`);
  let template: TemplateName | undefined;
  if (values.template !== undefined) {
    if (!(TEMPLATES as readonly string[]).includes(values.template)) {
      throw invalid(`Unknown template "${values.template}": use ${TEMPLATES.join(' or ')}`);
    }
    template = values.template as TemplateName;
  }
  let backends = values.backends === undefined ? undefined : parseBackends(values.backends);
  if (values.redis || values.postgres) {
    if (backends && !backends.redis && !backends.postgres) {
      throw invalid('--backends embedded cannot be combined with --redis or --postgres');
    }
    backends = {
      redis: Boolean(values.redis) || Boolean(backends?.redis),
      postgres: Boolean(values.postgres) || Boolean(backends?.postgres),
    };
  }
  for (const key of ['name', 'adv-source'] as const) {
    if (values[key] === '') throw invalid(`--${key} needs a value`);
  }
  return {
    directory: positionals[0],
    name: values.name,
    template,
    backends,
    install: !values['no-install'],
    git: !values['no-git'],
    yes: Boolean(values.yes),
    advSource: values['adv-source'],
    help: Boolean(values.help),
    version: Boolean(values.version),
  };
}

function parse(argv: readonly string[]) {
  return parseNodeArgs({
    args: [...argv],
    allowPositionals: true,
    strict: true,
    options: {
      template: { type: 'string', short: 't' },
      backends: { type: 'string', short: 'b' },
      redis: { type: 'boolean' },
      postgres: { type: 'boolean' },
      name: { type: 'string' },
      'no-install': { type: 'boolean' },
      'no-git': { type: 'boolean' },
      yes: { type: 'boolean', short: 'y' },
      'adv-source': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      version: { type: 'boolean', short: 'v' },
    },
  });
}
