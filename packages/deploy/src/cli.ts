import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { checkDeployReport, formatReport, hasFailures } from './checks/index.js';
import { type CheckLevel, type DeployContext, LEVEL_ORDER } from './checks/types.js';
import { DeployError } from './errors.js';
import { generateDockerfile } from './generate/dockerfile.js';
import { generateNginxConfig } from './generate/nginx.js';
import { generateSystemdUnit } from './generate/systemd.js';
import { defineSettings } from './settings.js';
import type { SecuritySettings } from './settings-schema.js';
import { collectStatic } from './static/collect.js';

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

async function loadSettingsModule(
  path: string,
  cwd: string,
): Promise<{ settings: SecuritySettings; context: DeployContext }> {
  const url = pathToFileURL(isAbsolute(path) ? path : resolve(cwd, path)).href;
  let mod: { settings?: unknown; default?: unknown; context?: unknown };
  try {
    mod = await import(url);
  } catch (error) {
    if (error instanceof DeployError) throw error;
    throw new DeployError('ERR_CLI_USAGE', `Could not load the settings module \`${path}\``, { cause: error });
  }
  const settings = mod.settings ?? mod.default;
  if (typeof settings !== 'object' || settings === null) {
    throw new DeployError(
      'ERR_CLI_USAGE',
      `The settings module \`${path}\` exports no \`settings\` object (named or default)`,
    );
  }
  const context = typeof mod.context === 'function' ? await mod.context() : (mod.context ?? {});
  return { settings: settings as SecuritySettings, context: context as DeployContext };
}

async function output(text: string, out: string | undefined, io: CliIo) {
  if (out) await writeFile(resolve(io.cwd, out), text);
  else io.stdout(text);
}

/**
 * Runs the `adv-deploy` CLI with `argv` (without `node` and the script) and resolves with the
 * exit code: 0 clean, 1 findings at or above the fail level, 2 usage or settings errors.
 */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'check': {
        const { values } = parseArgs({
          args: rest,
          options: {
            deploy: { type: 'boolean' },
            settings: { type: 'string' },
            'fail-level': { type: 'string' },
            json: { type: 'boolean' },
          },
        });
        if (!values.deploy) throw new DeployError('ERR_CLI_USAGE', 'Only `check --deploy` is supported: add --deploy');
        const failLevel = (values['fail-level'] ?? 'error').toLowerCase();
        if (!(failLevel in LEVEL_ORDER)) {
          throw new DeployError(
            'ERR_CLI_USAGE',
            `Expected \`--fail-level\` to be one of ${Object.keys(LEVEL_ORDER).join(', ')}, got \`${failLevel}\``,
          );
        }
        const { settings, context } = values.settings
          ? await loadSettingsModule(values.settings, io.cwd)
          : {
              settings: defineSettings({
                env: io.env,
                // Report a weak key as security.W009 / adv.E003 instead of refusing to load it.
                allowWeakSecretKey: true,
                envFile: existsSync(join(io.cwd, '.env')) ? join(io.cwd, '.env') : false,
              }),
              context: {},
            };
        const report = await checkDeployReport(settings, context);
        io.stdout(values.json ? `${JSON.stringify(report, null, 2)}\n` : `${formatReport(report)}\n`);
        return hasFailures(report.findings, failLevel as CheckLevel) ? 1 : 0;
      }
      case 'collectstatic': {
        const { positionals } = parseArgs({ args: rest, allowPositionals: true });
        const [src, dest] = positionals;
        if (!src || !dest) throw new DeployError('ERR_CLI_USAGE', 'Usage: adv-deploy collectstatic <src> <dest>');
        const result = await collectStatic(resolve(io.cwd, src), resolve(io.cwd, dest));
        io.stdout(
          `${result.files} static files copied to '${dest}', ${result.compressed} compressed copies, manifest written.\n`,
        );
        return 0;
      }
      case 'nginx': {
        const { values } = parseArgs({
          args: rest,
          options: {
            'server-name': { type: 'string', multiple: true },
            upstream: { type: 'string', multiple: true },
            'static-root': { type: 'string' },
            'static-url': { type: 'string' },
            'media-root': { type: 'string' },
            'media-url': { type: 'string' },
            cert: { type: 'string' },
            'cert-key': { type: 'string' },
            'no-tls': { type: 'boolean' },
            'no-default-server': { type: 'boolean' },
            out: { type: 'string' },
          },
        });
        if (!values['server-name']) throw new DeployError('ERR_CLI_USAGE', 'nginx needs --server-name');
        if (!!values.cert !== !!values['cert-key'])
          throw new DeployError('ERR_CLI_USAGE', 'Pass both --cert and --cert-key');
        const mediaRoot = values['media-root'] ?? io.env.MEDIA_ROOT;
        const mediaUrl = values['media-url'] ?? io.env.MEDIA_URL;
        const text = generateNginxConfig({
          serverName: values['server-name'],
          ...(values.upstream ? { upstreams: values.upstream } : {}),
          ...(values['static-root'] ? { staticRoot: values['static-root'] } : {}),
          ...(values['static-url'] ? { staticUrl: values['static-url'] } : {}),
          ...(mediaRoot ? { mediaRoot } : {}),
          ...(mediaUrl ? { mediaUrl } : {}),
          ...(values['no-default-server'] ? { defaultServer: false } : {}),
          ...(values['no-tls']
            ? { tls: false as const }
            : values.cert && values['cert-key']
              ? { tls: { certificate: values.cert, certificateKey: values['cert-key'] } }
              : {}),
        });
        await output(text, values.out, io);
        return 0;
      }
      case 'dockerfile': {
        const { values } = parseArgs({
          args: rest,
          options: {
            node: { type: 'string' },
            entry: { type: 'string' },
            port: { type: 'string' },
            'build-script': { type: 'string' },
            out: { type: 'string' },
          },
        });
        const text = generateDockerfile({
          ...(values.node ? { nodeVersion: values.node } : {}),
          ...(values.entry ? { entry: values.entry } : {}),
          ...(values.port ? { port: Number(values.port) } : {}),
          ...(values['build-script'] ? { buildScript: values['build-script'] } : {}),
        });
        await output(text, values.out, io);
        return 0;
      }
      case 'systemd': {
        const { values } = parseArgs({
          args: rest,
          options: {
            name: { type: 'string' },
            user: { type: 'string' },
            dir: { type: 'string' },
            entry: { type: 'string' },
            // systemd's own name (EnvironmentFile=). Node 20 reads `--env-file` wherever it appears,
            // even after the script, so that spelling only reaches us via `node -- bin.js` or a newer Node.
            'environment-file': { type: 'string' },
            'env-file': { type: 'string' },
            writable: { type: 'string', multiple: true },
            out: { type: 'string' },
          },
        });
        if (values['environment-file'] && values['env-file'])
          throw new DeployError('ERR_CLI_USAGE', 'Pass --environment-file or its alias --env-file, not both');
        const environmentFile = values['environment-file'] ?? values['env-file'];
        const text = generateSystemdUnit({
          ...(values.name ? { name: values.name } : {}),
          ...(values.user ? { user: values.user } : {}),
          ...(values.dir ? { workingDirectory: values.dir } : {}),
          ...(values.entry ? { entry: values.entry } : {}),
          ...(environmentFile ? { environmentFile } : {}),
          ...(values.writable ? { writablePaths: values.writable } : {}),
        });
        await output(text, values.out, io);
        return 0;
      }
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
