import { existsSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { checkDeployReport, formatReport, hasFailures } from '../checks/index.js';
import { type CheckLevel, type DeployContext, LEVEL_ORDER } from '../checks/types.js';
import type { CliIo } from '../cli.js';
import { DeployError } from '../errors.js';
import { defineSettings } from '../settings.js';
import type { SecuritySettings } from '../settings-schema.js';

/** Imports `--settings`: its `settings` (or default) export and its optional `context` (an object or a function). */
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

/** `adv-deploy check --deploy [--settings M] [--fail-level L] [--json]`: 1 when a finding is at or above the fail level. */
export async function checkCommand(rest: readonly string[], io: CliIo): Promise<number> {
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
