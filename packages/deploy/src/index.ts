export { isPlaceholderSecret } from './checks/adv.js';
export { isWeakSecretKey, SECRET_KEY_MIN_LENGTH, SECRET_KEY_MIN_UNIQUE_CHARACTERS } from './checks/django.js';
export { checkDeploy, checkDeployReport, type DeployReport, formatReport, hasFailures } from './checks/index.js';
export type { BackupStatus, CheckLevel, DeployContext, DeployStaticContext, Finding } from './checks/types.js';
export { LEVEL_ORDER } from './checks/types.js';
export { type CliIo, main, USAGE } from './cli.js';
export { CLUSTER_DEFAULTS, type ClusterHandle, type ClusterOptions, runCluster } from './cluster.js';
export { CSRF_DEFAULTS, type CsrfMiddlewareOptions, csrfMiddleware, isTrustedOrigin } from './csrf.js';
export type { DeployErrorCode, SettingsIssue } from './errors.js';
export { DeployError, SettingsError } from './errors.js';
export { DOCKERFILE_DEFAULTS, type DockerfileOptions, generateDockerfile } from './generate/dockerfile.js';
export { generateNginxConfig, NGINX_DEFAULTS, type NginxOptions, type NginxTlsOptions } from './generate/nginx.js';
export { generateSystemdUnit, SYSTEMD_DEFAULTS, type SystemdOptions } from './generate/systemd.js';
export {
  BACKUP_CHECK_DEFAULTS,
  type BackupCheckOptions,
  backupReadinessCheck,
  type CheckResult,
  createHealth,
  HEALTH_DEFAULTS,
  type Health,
  type HealthOptions,
} from './health.js';
export { effectiveAllowedHosts, isAllowedHost, isAllowedRequestHost, isSecureRequest } from './request-info.js';
export { type SecurityMiddlewareOptions, securityMiddleware, withHeaders } from './security.js';
export {
  type DefineSettingsOptions,
  defineSettings,
  isSecretName,
  redactSettings,
  type Settings,
  type SettingsSchema,
  type SettingsSchemaOutput,
} from './settings.js';
export {
  type BaseSettings,
  COOP_VALUES,
  DEFAULT_SETTINGS,
  REFERRER_POLICY_VALUES,
  type SecuritySettings,
} from './settings-schema.js';
export type { StandardSchemaV1 } from './standard-schema.js';
export {
  COLLECT_STATIC_DEFAULTS,
  type CollectStaticOptions,
  type CollectStaticResult,
  collectStatic,
} from './static/collect.js';
export { loadManifest, MANIFEST_NAME, type StaticManifest, staticUrl } from './static/manifest.js';
export { SERVE_STATIC_DEFAULTS, type ServeStaticOptions, serveStatic } from './static/serve.js';
