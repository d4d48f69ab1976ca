import { cancel, isCancel, multiselect, select, text } from '@clack/prompts';
import type { CliArgs } from './args.js';
import { CreateAdvError } from './errors.js';
import { checkAppName, nameFromDirectory } from './name.js';
import type { Backends, TemplateName } from './options.js';

/** Every choice create-adv needs, once the flags and prompts have answered. */
export interface Answers {
  directory: string;
  name: string;
  template: TemplateName;
  backends: Backends;
}

/** Asks for what the flags left open (the interactive side, on a terminal). */
export interface Asker {
  directory(): Promise<string>;
  template(): Promise<TemplateName>;
  backends(): Promise<Backends>;
}

/** The default folder when neither an argument nor a prompt gives one (`--yes`). */
export const DEFAULT_DIRECTORY = 'my-adv-app';

/**
 * Completes the answers: flags first, then `ask` (a terminal) for the rest, or the defaults
 * (`minimal`, embedded) under `--yes`. Without a terminal and without `--yes`, a missing
 * directory is an error rather than a guess.
 */
export async function resolveAnswers(args: CliArgs, ask: Asker | undefined): Promise<Answers> {
  const prompt = args.yes ? undefined : ask;
  let directory = args.directory;
  if (directory === undefined) {
    if (prompt) directory = await prompt.directory();
    else if (args.yes) directory = DEFAULT_DIRECTORY;
    else {
      throw new CreateAdvError(
        'ERR_INVALID_ARGUMENT',
        'No directory given and no terminal to ask: run `npm create adv@latest my-app -- --yes` (or give every option as a flag).',
      );
    }
  }
  const template = args.template ?? (prompt ? await prompt.template() : 'minimal');
  const backends = args.backends ?? (prompt ? await prompt.backends() : { redis: false, postgres: false });
  return { directory, name: args.name ?? nameFromDirectory(directory), template, backends };
}

function unlessCancelled<T>(value: T | symbol): Exclude<T, symbol> {
  if (isCancel(value) || typeof value === 'symbol') {
    cancel('Cancelled: nothing was written.');
    throw new CreateAdvError('ERR_CANCELLED', 'Cancelled: nothing was written.');
  }
  return value as Exclude<T, symbol>;
}

/** The terminal prompts (@clack/prompts). */
export const terminalAsker: Asker = {
  async directory() {
    const value = await text({
      message: 'Where should the app go?',
      placeholder: DEFAULT_DIRECTORY,
      defaultValue: DEFAULT_DIRECTORY,
      validate: (input) => {
        const name = nameFromDirectory(input || DEFAULT_DIRECTORY);
        const { valid, problems } = checkAppName(name);
        return valid ? undefined : `"${name}" is not a valid package name: ${problems.join('; ')}`;
      },
    });
    return unlessCancelled(value);
  },
  async template() {
    const value = await select<TemplateName>({
      message: 'Which template?',
      initialValue: 'minimal',
      options: [
        { value: 'minimal', label: 'minimal', hint: 'one page, one task: serve, cache, i18n, deploy middleware' },
        { value: 'board', label: 'board', hint: 'the full demo: a multilingual board with WebSockets, tasks, SQLite' },
      ],
    });
    return unlessCancelled(value);
  },
  async backends() {
    const value = await multiselect<'redis' | 'postgres'>({
      message: 'Servers besides the embedded defaults? (none selected: embedded only)',
      required: false,
      options: [
        { value: 'redis', label: 'Redis', hint: 'cache, queues, channel layer shared by processes' },
        { value: 'postgres', label: 'PostgreSQL', hint: 'a server database' },
      ],
    });
    const chosen = unlessCancelled(value);
    return { redis: chosen.includes('redis'), postgres: chosen.includes('postgres') };
  },
};
