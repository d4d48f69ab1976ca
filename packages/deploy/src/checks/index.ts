import type { OptionKeys } from '@adv/types';
import { invalidOption } from '../errors.js';
import { nestedOptions } from '../options.js';
import { resolveSettings, type SecuritySettings } from '../settings-schema.js';
import { advChecks } from './adv.js';
import { djangoChecks } from './django.js';
import { mediaChecks } from './media.js';
import {
  type BackupStatus,
  type Check,
  type CheckLevel,
  type DeployContext,
  type DeployStaticContext,
  type Finding,
  LEVEL_ORDER,
  type ResolvedSettings,
} from './types.js';

/** What {@link checkDeployReport} returns: the findings to act on and the ones silenced. */
export interface DeployReport {
  /** Findings not silenced, most severe first. */
  findings: Finding[];
  /** Findings left out by `SILENCED_SYSTEM_CHECKS` or `context.silenced`. */
  silenced: Finding[];
}

const CONTEXT_KEYS: OptionKeys<DeployContext> = {
  processes: true,
  backends: true,
  middleware: true,
  health: true,
  static: true,
  backup: true,
  pendingMigrations: true,
  secrets: true,
  behindProxy: true,
  codeRoot: true,
  silenced: true,
  now: true,
};
const STATIC_KEYS: OptionKeys<DeployStaticContext> = { root: true, sourceDir: true };
const BACKUP_KEYS: OptionKeys<BackupStatus> = { lastBackupAt: true, maxAgeSeconds: true };

/**
 * The context with its shape checked (unknown keys, also in `static` and `backup`, refused with
 * a did-you-mean) and `undefined` fields dropped, so every check reads an absent field as absent.
 */
function resolveContext(name: string, context: DeployContext | undefined): DeployContext {
  const resolved: DeployContext = nestedOptions(name, 'context', context, CONTEXT_KEYS, {});
  if (resolved.processes !== undefined && !(Number.isInteger(resolved.processes) && resolved.processes >= 1)) {
    invalidOption('context.processes', 'an integer from 1 and up', resolved.processes);
  }
  if (resolved.static !== undefined) {
    resolved.static = nestedOptions(name, 'context.static', resolved.static, STATIC_KEYS, {});
  }
  if (resolved.backup !== undefined && resolved.backup !== false) {
    resolved.backup = nestedOptions(name, 'context.backup', resolved.backup, BACKUP_KEYS, {});
  }
  return resolved;
}

/**
 * Runs one check; one that throws (a migrations query against a database that is down, say)
 * becomes an `adv.E018` finding, so every other finding is still reported.
 */
async function runCheck(check: Check, settings: ResolvedSettings, context: DeployContext): Promise<Finding[]> {
  try {
    return await check(settings, context);
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error))
      .replace(/([a-z][a-z0-9+.-]*:\/\/)[^@/\s]*@/gi, '$1***@') // credentials in URLs
      .slice(0, 300);
    return [
      {
        id: 'adv.E018',
        level: 'error',
        message: `A deploy check could not run (${check.name || 'anonymous check'}): ${reason}`,
        hint: 'Fix what the check needs (database, files), or silence adv.E018 to accept running without it.',
      },
    ];
  }
}

/**
 * Runs every deploy check and splits silenced findings out (for the CLI's "N silenced").
 * @param settings - the object `defineSettings` returned (or any subset; Django's defaults fill the rest)
 * @param context - facts about the running app: processes, backends, health, static, backups, migrations
 */
export async function checkDeployReport(settings: SecuritySettings, context?: DeployContext): Promise<DeployReport> {
  return report('checkDeployReport', settings, context);
}

/** {@link checkDeployReport} under the name the user called (for error messages). */
async function report(
  name: string,
  settings: SecuritySettings,
  options: DeployContext | undefined,
): Promise<DeployReport> {
  if (typeof settings !== 'object' || settings === null) invalidOption('settings', 'a settings object', settings);
  const context = resolveContext(name, options);
  const resolved = resolveSettings(settings);
  const silencedIds = new Set([...resolved.SILENCED_SYSTEM_CHECKS, ...(context.silenced ?? [])]);
  const all = (
    await Promise.all(
      [...djangoChecks, ...advChecks, ...mediaChecks].map((check) => runCheck(check, resolved, context)),
    )
  ).flat();
  all.sort((a, b) => LEVEL_ORDER[b.level] - LEVEL_ORDER[a.level]);
  return {
    findings: all.filter((f) => !silencedIds.has(f.id)),
    silenced: all.filter((f) => silencedIds.has(f.id)),
  };
}

/**
 * Django's `manage.py check --deploy` for a Node app: returns findings `{ id, level, message, hint }`
 * for insecure or risky settings and deployment facts, leaving out silenced ids.
 *
 * @example
 * ```ts
 * const findings = await checkDeploy(settings, { processes: 4, backends: { cache }, health });
 * if (findings.some((f) => f.level === 'error')) process.exit(1);
 * ```
 */
export async function checkDeploy(settings: SecuritySettings, context?: DeployContext): Promise<Finding[]> {
  return (await report('checkDeploy', settings, context)).findings;
}

/** Whether any finding is at or above `level`. */
export function hasFailures(findings: readonly Finding[], level: CheckLevel = 'error'): boolean {
  return findings.some((f) => LEVEL_ORDER[f.level] >= LEVEL_ORDER[level]);
}

const HEADINGS: Record<CheckLevel, string> = {
  critical: 'CRITICALS',
  error: 'ERRORS',
  warning: 'WARNINGS',
  info: 'INFOS',
  debug: 'DEBUGS',
};

/** Formats a report as Django prints it (`?: (security.W004) … HINT: …`). */
export function formatReport(report: DeployReport): string {
  const { findings, silenced } = report;
  const suffix = `(${silenced.length} silenced)`;
  if (findings.length === 0) return `System check identified no issues ${suffix}.`;
  const lines = ['System check identified some issues:'];
  for (const level of ['critical', 'error', 'warning', 'info', 'debug'] as const) {
    const group = findings.filter((f) => f.level === level);
    if (group.length === 0) continue;
    lines.push('', `${HEADINGS[level]}:`);
    for (const f of group) lines.push(`?: (${f.id}) ${f.message}${f.hint ? `\n\tHINT: ${f.hint}` : ''}`);
  }
  lines.push('', `System check identified ${findings.length} ${findings.length === 1 ? 'issue' : 'issues'} ${suffix}.`);
  return lines.join('\n');
}
