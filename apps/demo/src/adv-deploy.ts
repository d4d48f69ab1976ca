/**
 * `node dist/adv-deploy.js …` runs `adv-deploy …`, `@adv/deploy`'s CLI, through node. The
 * package scripts (`build`, `check`) use it so they also work where npm linked the CLI before
 * `@adv/deploy` was built, as in a fresh clone of the monorepo: the linked file is then not
 * executable. In an app that installs `@adv/deploy` from the registry, `npx adv-deploy` is the same.
 */
import { main } from '@adv/deploy';

process.exitCode = await main(process.argv.slice(2), {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
  env: process.env,
  cwd: process.cwd(),
});
