import { writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { CliIo } from '../cli.js';
import { DeployError } from '../errors.js';
import { generateDockerfile } from '../generate/dockerfile.js';
import { generateNginxConfig } from '../generate/nginx.js';
import { generateSystemdUnit } from '../generate/systemd.js';
import { collectStatic } from '../static/collect.js';

/** Writes a generator's text to `--out`, or prints it. */
async function output(text: string, out: string | undefined, io: CliIo) {
  if (out) await writeFile(resolve(io.cwd, out), text);
  else io.stdout(text);
}

/** `adv-deploy collectstatic <src> <dest>`. */
export async function collectStaticCommand(rest: readonly string[], io: CliIo): Promise<number> {
  const { positionals } = parseArgs({ args: rest, allowPositionals: true });
  const [src, dest] = positionals;
  if (!src || !dest) throw new DeployError('ERR_CLI_USAGE', 'Usage: adv-deploy collectstatic <src> <dest>');
  const result = await collectStatic(resolve(io.cwd, src), resolve(io.cwd, dest));
  io.stdout(
    `${result.files} static files copied to '${dest}', ${result.compressed} compressed copies, manifest written.\n`,
  );
  return 0;
}

/** `adv-deploy nginx --server-name …`: MEDIA_ROOT / MEDIA_URL from the environment unless given. */
export async function nginxCommand(rest: readonly string[], io: CliIo): Promise<number> {
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
  if (!!values.cert !== !!values['cert-key']) throw new DeployError('ERR_CLI_USAGE', 'Pass both --cert and --cert-key');
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

/** `adv-deploy dockerfile [--node] [--entry] [--port] [--build-script]`. */
export async function dockerfileCommand(rest: readonly string[], io: CliIo): Promise<number> {
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

/** `adv-deploy systemd [--name] [--user] [--dir] [--entry] [--environment-file] [--writable]…`. */
export async function systemdCommand(rest: readonly string[], io: CliIo): Promise<number> {
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
