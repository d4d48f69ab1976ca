import { checkCommand } from './cli/check.js';
import { collectStaticCommand, dockerfileCommand, nginxCommand, systemdCommand } from './cli/generate.js';
import { DeployError } from './errors.js';

/** Where the CLI writes and what it reads; injectable for tests. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** The CLI's usage text. */
export const USAGE = `Usage: adv-deploy <command> [options]

Commands:
  check --deploy [--settings ./settings.js] [--fail-level warning] [--json]
      Run the deploy checks (Django's check --deploy ids plus adv.*). Exit 1 when a finding
      is at or above --fail-level (default: error). --settings names a module exporting
      \`settings\` (or a default export) and optionally \`context\` (an object or a function);
      without it, settings are read from the environment and ./.env. --json prints
      { findings, silenced } for other tools.
  collectstatic <src> <dest>
      Hash, compress and copy static files, writing dest/staticfiles.json.
  nginx --server-name example.com [--server-name www.example.com] [--upstream 127.0.0.1:3000]...
        [--static-root /srv/app/static] [--static-url /static/] [--cert FILE --cert-key FILE | --no-tls]
        [--media-root /var/lib/app/media] [--media-url /media/]   (default: MEDIA_ROOT / MEDIA_URL from the environment)
        [--no-default-server]   (leave out the server refusing unknown hosts, if the machine has one)
  dockerfile [--node 20] [--entry dist/server.js] [--port 3000] [--build-script build]
  systemd [--name app] [--user app] [--dir /srv/app] [--entry dist/server.js]
          [--environment-file /etc/app/env] [--writable /srv/app/data]...
      (--env-file is an alias, but Node 20 itself consumes --env-file anywhere on its command
      line and stops with "node: <file>: not found": write --environment-file.)
  Generators print to stdout, or write --out FILE.
`;

/**
 * Runs the `adv-deploy` CLI with `argv` (without `node` and the script) and resolves with the
 * exit code: 0 clean, 1 findings at or above the fail level, 2 usage or settings errors.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check':
        return await checkCommand(rest, io);
      case 'collectstatic':
        return await collectStaticCommand(rest, io);
      case 'nginx':
        return await nginxCommand(rest, io);
      case 'dockerfile':
        return await dockerfileCommand(rest, io);
      case 'systemd':
        return await systemdCommand(rest, io);
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        io.stdout(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new DeployError('ERR_CLI_USAGE', `Unknown command \`${command}\``);
    }
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    io.stderr(`adv-deploy: ${message}\n`);
    if (error instanceof DeployError && error.code === 'ERR_CLI_USAGE') io.stderr(`\n${USAGE}`);
    return 2;
  }
}
