import type { OptionKeys } from '@adv/types';
import { invalidOption } from '../errors.js';
import { deployOptions, nestedOptions } from '../options.js';
import type { NginxOptions, NginxTlsOptions } from './nginx.js';
import { checkHostName, checkPath, checkPort, checkUpstream } from './validate.js';

/** Defaults of {@link NginxOptions}. */
export const NGINX_DEFAULTS = {
  upstreams: ['127.0.0.1:3000'],
  staticUrl: '/static/',
  mediaUrl: '/media/',
  clientMaxBodySize: '10m',
  hashLength: 12,
  httpPort: 80,
  httpsPort: 443,
  ipv6: true,
  defaultServer: true,
} as const;

const NGINX_TLS_KEYS: OptionKeys<NginxTlsOptions> = { certificate: true, certificateKey: true };

const NGINX_KEYS: OptionKeys<NginxOptions> = {
  serverName: true,
  upstreams: true,
  staticRoot: true,
  staticUrl: true,
  mediaRoot: true,
  mediaUrl: true,
  tls: true,
  httpPort: true,
  httpsPort: true,
  ipv6: true,
  hashLength: true,
  defaultServer: true,
  clientMaxBodySize: true,
};

/** {@link NginxOptions} checked and normalised: what the config blocks are written from. */
export interface NginxPlan {
  /** The first server name with every non-alphanumeric replaced by `_`: names the upstream and the upgrade map. */
  id: string;
  names: readonly string[];
  upstreams: readonly string[];
  /** `staticRoot` ending with `/`, or `undefined` to proxy static files. */
  staticRoot: string | undefined;
  /** `staticUrl` ending with `/`. */
  staticLocation: string;
  /** `mediaRoot` ending with `/`, or `undefined` to let the app serve media. */
  mediaRoot: string | undefined;
  /** `mediaUrl` ending with `/`. */
  mediaLocation: string;
  tls: NginxTlsOptions | false;
  httpPort: number;
  httpsPort: number;
  ipv6: boolean;
  defaultServer: boolean;
  hashLength: number;
  clientMaxBodySize: string;
}

const withSlash = (path: string) => (path.endsWith('/') ? path : `${path}/`);

/** Validates `generateNginxConfig`'s options (unknown keys, injection-safe values) and fills the defaults. */
export function resolveNginxOptions(options: NginxOptions): NginxPlan {
  const o = deployOptions('generateNginxConfig', options, NGINX_KEYS, NGINX_DEFAULTS);
  if (o.serverName === undefined) invalidOption('serverName', 'a host name or an array of host names', o.serverName);
  const names = (Array.isArray(o.serverName) ? o.serverName : [o.serverName]).map((n, i) =>
    checkHostName(`serverName[${i}]`, n),
  );
  if (names.length === 0) invalidOption('serverName', 'at least one host name', o.serverName);
  if (!Array.isArray(o.upstreams) || o.upstreams.length === 0)
    invalidOption('upstreams', 'a non-empty array', o.upstreams);
  const upstreams = o.upstreams.map((u, i) => checkUpstream(`upstreams[${i}]`, u));
  const staticRoot = o.staticRoot === undefined ? undefined : checkPath('staticRoot', o.staticRoot);
  const staticUrl = checkPath('staticUrl', o.staticUrl);
  const mediaRoot = o.mediaRoot === undefined ? undefined : checkPath('mediaRoot', o.mediaRoot);
  const mediaUrl = checkPath('mediaUrl', o.mediaUrl);
  if (!/^\d+[kmg]?$/i.test(String(o.clientMaxBodySize)))
    invalidOption('clientMaxBodySize', 'a size such as `10m`', o.clientMaxBodySize);
  const tls = resolveTls(o.tls, names[0] as string);
  const httpPort = checkPort('httpPort', o.httpPort);
  const httpsPort = checkPort('httpsPort', o.httpsPort);
  if (typeof o.ipv6 !== 'boolean') invalidOption('ipv6', 'a boolean', o.ipv6);
  if (typeof o.defaultServer !== 'boolean') invalidOption('defaultServer', 'a boolean', o.defaultServer);
  const hashLength = o.hashLength;
  if (!Number.isInteger(hashLength) || hashLength < 6 || hashLength > 32)
    invalidOption('hashLength', 'an integer from 6 to 32', hashLength);
  const staticLocation = withSlash(staticUrl);
  const mediaLocation = withSlash(mediaUrl);
  if (mediaRoot && (mediaLocation.startsWith(staticLocation) || staticLocation.startsWith(mediaLocation)))
    invalidOption('mediaUrl', `a prefix apart from staticUrl (${staticLocation})`, o.mediaUrl);
  return {
    id: (names[0] as string).replace(/[^A-Za-z0-9]/g, '_'),
    names,
    upstreams,
    staticRoot: staticRoot === undefined ? undefined : withSlash(staticRoot),
    staticLocation,
    mediaRoot: mediaRoot === undefined ? undefined : withSlash(mediaRoot),
    mediaLocation,
    tls,
    httpPort,
    httpsPort,
    ipv6: o.ipv6,
    defaultServer: o.defaultServer,
    hashLength,
    clientMaxBodySize: String(o.clientMaxBodySize),
  };
}

/** The `tls` option checked; `undefined` becomes Let's Encrypt's paths for the first server name. */
function resolveTls(value: NginxTlsOptions | false | undefined, firstName: string): NginxTlsOptions | false {
  const tls = value ?? {
    certificate: `/etc/letsencrypt/live/${firstName}/fullchain.pem`,
    certificateKey: `/etc/letsencrypt/live/${firstName}/privkey.pem`,
  };
  if (!tls) return false;
  nestedOptions('generateNginxConfig', 'tls', tls, NGINX_TLS_KEYS, {});
  checkPath('tls.certificate', tls.certificate);
  checkPath('tls.certificateKey', tls.certificateKey);
  return tls;
}
