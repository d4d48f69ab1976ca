import { describe, expect, it } from 'vitest';
import { type Asker, type CliArgs, DEFAULT_DIRECTORY, parseArgs, parseBackends, resolveAnswers } from '../src/index.js';
import { caught } from './helpers.js';

const none = { redis: false, postgres: false };

describe('parseArgs', () => {
  it('leaves unanswered what no flag gave (a prompt or default decides)', () => {
    expect(parseArgs([])).toEqual({
      directory: undefined,
      name: undefined,
      template: undefined,
      backends: undefined,
      install: true,
      git: true,
      yes: false,
      advSource: undefined,
      help: false,
      version: false,
    } satisfies CliArgs);
  });

  it('reads every flag', () => {
    expect(
      parseArgs([
        'shop',
        '--template',
        'board',
        '--backends',
        'redis,postgres',
        '--name',
        'acme-shop',
        '--no-install',
        '--no-git',
        '--yes',
        '--adv-source',
        '/tmp/tgz',
      ]),
    ).toEqual({
      directory: 'shop',
      name: 'acme-shop',
      template: 'board',
      backends: { redis: true, postgres: true },
      install: false,
      git: false,
      yes: true,
      advSource: '/tmp/tgz',
      help: false,
      version: false,
    } satisfies CliArgs);
  });

  it('has short forms and --flag=value', () => {
    const args = parseArgs(['-t', 'minimal', '-b', 'redis', '-y', 'x']);
    expect([args.template, args.backends, args.yes, args.directory]).toEqual([
      'minimal',
      { redis: true, postgres: false },
      true,
      'x',
    ]);
    expect(parseArgs(['--template=board']).template).toBe('board');
    expect(parseArgs(['-h']).help).toBe(true);
    expect(parseArgs(['-v']).version).toBe(true);
  });

  it('combines --redis and --postgres, alone or with --backends', () => {
    expect(parseArgs(['--redis']).backends).toEqual({ redis: true, postgres: false });
    expect(parseArgs(['--postgres']).backends).toEqual({ redis: false, postgres: true });
    expect(parseArgs(['--redis', '--postgres']).backends).toEqual({ redis: true, postgres: true });
    expect(parseArgs(['--backends', 'postgres', '--redis']).backends).toEqual({ redis: true, postgres: true });
  });

  it.each([
    ['embedded', none],
    ['none', none],
    ['redis', { redis: true, postgres: false }],
    ['postgresql', { redis: false, postgres: true }],
    ['pg', { redis: false, postgres: true }],
    [' Redis , Postgres ', { redis: true, postgres: true }],
  ])('parses --backends %j', (value, expected) => {
    expect(parseBackends(value)).toEqual(expected);
  });

  it.each([
    [['--template', 'huge'], 'Unknown template "huge": use board or minimal'],
    [['--backends', 'mysql'], 'Unknown backend "mysql" in --backends'],
    [['--backends', 'embedded,redis'], '"embedded" cannot be combined with a server'],
    [['--backends', 'embedded', '--redis'], '--backends embedded cannot be combined with --redis or --postgres'],
    [['--backends', ','], '--backends needs a value'],
    [['a', 'b'], 'Expected one directory, got 2: a b'],
    [['--colour'], "Unknown option '--colour'"],
    [['--template'], "Option '-t, --template <value>' argument missing"],
    [['--name', ''], '--name needs a value'],
  ])('refuses %j', async (argv, message) => {
    const error = await caught(() => parseArgs(argv));
    expect(error.code).toBe('ERR_INVALID_ARGUMENT');
    expect(error.message).toContain(message);
    expect(error.message).toContain('Run create-adv --help for the options.');
  });
});

/** A scripted terminal: answers in order, and records what was asked. */
function scripted(answers: Partial<{ directory: string; template: 'board' | 'minimal'; backends: typeof none }>) {
  const asked: string[] = [];
  const asker: Asker = {
    async directory() {
      asked.push('directory');
      return answers.directory ?? 'asked-dir';
    },
    async template() {
      asked.push('template');
      return answers.template ?? 'board';
    },
    async backends() {
      asked.push('backends');
      return answers.backends ?? { redis: true, postgres: false };
    },
  };
  return { asker, asked };
}

describe('resolveAnswers', () => {
  it('asks on a terminal for what the flags left open, and only that', async () => {
    const { asker, asked } = scripted({});
    expect(await resolveAnswers(parseArgs([]), asker)).toEqual({
      directory: 'asked-dir',
      name: 'asked-dir',
      template: 'board',
      backends: { redis: true, postgres: false },
    });
    expect(asked).toEqual(['directory', 'template', 'backends']);
    const second = scripted({});
    await resolveAnswers(parseArgs(['x', '-t', 'minimal', '--postgres']), second.asker);
    expect(second.asked).toEqual([]);
  });

  it('uses the defaults under --yes, even on a terminal', async () => {
    const { asker, asked } = scripted({});
    expect(await resolveAnswers(parseArgs(['--yes']), asker)).toEqual({
      directory: DEFAULT_DIRECTORY,
      name: DEFAULT_DIRECTORY,
      template: 'minimal',
      backends: none,
    });
    expect(asked).toEqual([]);
  });

  it('without a terminal: defaults for the template and backends, but a directory is required', async () => {
    expect(await resolveAnswers(parseArgs(['app']), undefined)).toEqual({
      directory: 'app',
      name: 'app',
      template: 'minimal',
      backends: none,
    });
    const error = await caught(() => resolveAnswers(parseArgs(['-t', 'board']), undefined));
    expect(error.code).toBe('ERR_INVALID_ARGUMENT');
    expect(error.message).toContain('No directory given and no terminal to ask');
  });

  it('takes --name over the folder name', async () => {
    expect((await resolveAnswers(parseArgs(['./apps/x', '--name', 'acme-x']), undefined)).name).toBe('acme-x');
    expect((await resolveAnswers(parseArgs(['./apps/x']), undefined)).name).toBe('x');
  });
});
