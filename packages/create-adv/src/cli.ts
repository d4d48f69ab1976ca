#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { intro, log, outro, spinner } from '@clack/prompts';
import { parseArgs, USAGE } from './args.js';
import { createApp } from './create.js';
import { CreateAdvError } from './errors.js';
import { resolveAnswers, terminalAsker } from './prompts.js';
import { packageRoot } from './templates.js';

async function main(argv: string[]): Promise<number> {
  const args = parseArgs(argv);
  if (args.help) {
    console.log(USAGE);
    return 0;
  }
  if (args.version) {
    console.log(JSON.parse(readFileSync(join(packageRoot, 'package.json'), 'utf8')).version);
    return 0;
  }
  const interactive = Boolean(process.stdin.isTTY && process.stdout.isTTY) && !args.yes;
  if (interactive) intro('create-adv');
  const answers = await resolveAnswers(args, interactive ? terminalAsker : undefined);
  const advSource = args.advSource ?? (process.env.CREATE_ADV_SOURCE || undefined);
  const progress = interactive ? spinner() : undefined;
  const say = (line: string) => (progress ? progress.message(line) : console.log(line));
  progress?.start(`Creating ${answers.name} (${answers.template})`);
  let result: Awaited<ReturnType<typeof createApp>>;
  try {
    result = await createApp({ ...answers, advSource, install: args.install, git: args.git, log: say });
  } catch (error) {
    progress?.error('Failed');
    throw error;
  }
  progress?.stop(`Created ${answers.name}`);
  const where = relative(process.cwd(), result.directory) || '.';
  const steps = [
    where === '.' ? '' : `cd ${where}`,
    result.installed ? '' : 'npm install',
    'npm run build',
    'npm start',
  ].filter(Boolean);
  const done = `${answers.name} is ready (${answers.template} template, ${result.files.length} files). Next:\n  ${steps.join('\n  ')}`;
  if (interactive) outro(done);
  else console.log(done);
  return 0;
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof CreateAdvError) {
      if (error.code !== 'ERR_CANCELLED') {
        if (process.stdout.isTTY) log.error(error.message);
        else console.error(`create-adv: ${error.message}`);
      }
      process.exitCode = 1;
      return;
    }
    console.error(error);
    process.exitCode = 1;
  },
);
