import type { OptionKeys } from '@adv/types';
import { invalidOption } from '../errors.js';
import { deployOptions, nestedOptions } from '../options.js';
import { checkHostName, checkPath, checkPort, checkUpstream } from './validate.js';

/** Options of {@link generateNginxConfig}. */
export interface NginxOptions {
  /** Host names of the site (`server_name`); the first is the canonical one. */
  serverName: string | readonly string[];
  /**
   * App processes to proxy to.
   * @defaultValue `['127.0.0.1:3000']`
   */
  upstreams?: readonly string[] | undefined;
  /** Directory `collectStatic` wrote (`STATIC_ROOT`), served by nginx directly. Omit to proxy static files too. */
  staticRoot?: string | undefined;
  /** @defaultValue `'/static/'` */
  staticUrl?: string | undefined;
  /**
   * Directory of media files (`MEDIA_ROOT`), served by nginx directly with `serveMedia`'s safe
   * headers (nosniff, `Content-Security-Policy: default-src 'none'; sandbox`, attachment for
   * anything but raster images, audio and video). Files under `private/` still go to the app,
   * which checks their signature. Omit to let the app serve media.
   */
  mediaRoot?: string | undefined;
  /** @defaultValue `'/media/'` */
  mediaUrl?: string | undefined;
  /**
   * Certificate and key; `false` serves plain HTTP only (behind another TLS terminator).
   * @defaultValue Let's Encrypt paths for the first server name
   */
  tls?: NginxTlsOptions | false | undefined;
  /**
   * Port of the plain-HTTP server (the redirect to HTTPS when `tls` is on).
   * @defaultValue `80`
   */
  httpPort?: number | undefined;
  /**
   * Port of the TLS server.
   * @defaultValue `443`
   */
  httpsPort?: number | undefined;
  /**
   * Also listen on IPv6.
   * @defaultValue `true`
   */
  ipv6?: boolean | undefined;
  /**
   * Hex length of content hashes in file names (`collectStatic`'s `hashLength`).
   * @defaultValue `12`
   */
  hashLength?: number | undefined;
  /**
   * Add a default server on each port that refuses requests for any other `Host` (HTTP: closes
   * the connection, nginx's `444`; TLS: rejects the handshake, so no certificate is needed), as
   * Django's deployment checklist advises: a forged Host never reaches the app. Turn it off when
   * the machine already has a `default_server` on these ports (Debian's `sites-enabled/default`
   * has one: remove that file, or set this to `false`).
   * @defaultValue `true`
   */
  defaultServer?: boolean | undefined;
  /**
   * Largest request body.
   * @defaultValue `'10m'`
   */
  clientMaxBodySize?: string | undefined;
}

/** The `tls` option of {@link generateNginxConfig}: where the certificate and its key live. */
export interface NginxTlsOptions {
  /** Full-chain certificate (`ssl_certificate`), an absolute path. */
  certificate: string;
  /** Private key (`ssl_certificate_key`), an absolute path. */
  certificateKey: string;
}

const NGINX_TLS_KEYS: OptionKeys<NginxTlsOptions> = { certificate: true, certificateKey: true };

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

/**
 * An nginx site config (for `conf.d/` or `sites-enabled/`): a default server refusing unknown
 * hosts, HTTP→HTTPS redirect, TLS with
 * HTTP/2, proxy headers that *replace* client-sent ones (`X-Forwarded-Proto`, `X-Forwarded-For`,
 * `X-Request-Id`), WebSocket upgrade, static files with a year of immutable caching and
 * `gzip_static`, and gzip for proxied text. Pair it with `SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto,https`.
 *
 * @example
 * ```ts
 * writeFileSync('/etc/nginx/conf.d/app.conf', generateNginxConfig({ serverName: 'example.com', staticRoot: '/srv/app/static' }));
 * ```
 */
export function generateNginxConfig(options: NginxOptions): string {
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
  const tls =
    o.tls === false
      ? false
      : (o.tls ?? {
          certificate: `/etc/letsencrypt/live/${names[0]}/fullchain.pem`,
          certificateKey: `/etc/letsencrypt/live/${names[0]}/privkey.pem`,
        });
  if (tls) nestedOptions('generateNginxConfig', 'tls', tls, NGINX_TLS_KEYS, {});
  if (tls) {
    checkPath('tls.certificate', tls.certificate);
    checkPath('tls.certificateKey', tls.certificateKey);
  }
  const httpPort = checkPort('httpPort', o.httpPort);
  const httpsPort = checkPort('httpsPort', o.httpsPort);
  const ipv6 = o.ipv6;
  if (typeof ipv6 !== 'boolean') invalidOption('ipv6', 'a boolean', ipv6);
  const defaultServer = o.defaultServer;
  if (typeof defaultServer !== 'boolean') invalidOption('defaultServer', 'a boolean', defaultServer);
  const listen = (port: number, flags: string) => [
    `    listen ${port}${flags};`,
    ...(ipv6 ? [`    listen [::]:${port}${flags};`] : []),
  ];
  const hashLength = o.hashLength;
  if (!Number.isInteger(hashLength) || hashLength < 6 || hashLength > 32)
    invalidOption('hashLength', 'an integer from 6 to 32', hashLength);
  const id = names[0]?.replace(/[^A-Za-z0-9]/g, '_');
  const location = staticUrl.endsWith('/') ? staticUrl : `${staticUrl}/`;
  const root = staticRoot?.endsWith('/') ? staticRoot : `${staticRoot}/`;
  const mediaLocation = mediaUrl.endsWith('/') ? mediaUrl : `${mediaUrl}/`;
  if (mediaRoot && (mediaLocation.startsWith(location) || location.startsWith(mediaLocation)))
    invalidOption('mediaUrl', `a prefix apart from staticUrl (${location})`, o.mediaUrl);
  const proxy = [
    `        proxy_pass http://app_${id};`,
    '        proxy_http_version 1.1;',
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        proxy_set_header X-Forwarded-For $remote_addr;',
    '        proxy_set_header X-Forwarded-Host $host;',
    '        proxy_set_header X-Request-Id $request_id;',
  ];
  // add_header is not inherited by a block that has its own: every block repeats the safe set.
  const mediaHeaders = (indent: string, disposition: string) => [
    `${indent}add_header X-Content-Type-Options nosniff always;`,
    `${indent}add_header Content-Security-Policy "default-src 'none'; sandbox" always;`,
    `${indent}add_header Content-Disposition "${disposition}" always;`,
    `${indent}add_header Cache-Control "public, max-age=3600";`,
  ];
  const media = mediaRoot
    ? [
        `    location ${mediaLocation} {`,
        `        alias ${mediaRoot.endsWith('/') ? mediaRoot : `${mediaRoot}/`};`,
        '        access_log off;',
        '        # user uploads: never sniffed, never run as a page; only raster images, audio and video display inline',
        '        default_type application/octet-stream;',
        '        limit_except GET { deny all; }',
        ...mediaHeaders('        ', 'attachment'),
        '        location ~* "\\.(png|jpe?g|gif|webp|avif|bmp|mp4|webm|ogv|oga|ogg|mp3|wav|flac|aac|m4a)$" {',
        ...mediaHeaders('            ', 'inline'),
        '        }',
        '    }',
        '    # private files need a signed URL: the app checks the signature (serveMedia)',
        `    location ^~ ${mediaLocation}private/ {`,
        ...proxy,
        '    }',
        '',
      ]
    : [];

  const app = [
    `    client_max_body_size ${o.clientMaxBodySize};`,
    '',
    ...(staticRoot
      ? [
          `    location ${location} {`,
          `        alias ${root};`,
          '        gzip_static on;',
          '        access_log off;',
          '        # nginx answers these itself, so it sets what securityMiddleware would (add_header is not inherited once a block has its own)',
          '        add_header Cache-Control "public, max-age=60";',
          '        add_header X-Content-Type-Options nosniff always;',
          '        # content-hashed names (collectStatic) never change: cache them for a year',
          `        location ~ "\\.[0-9a-f]{${hashLength}}\\.[A-Za-z0-9]+$" {`,
          '            add_header Cache-Control "public, max-age=31536000, immutable";',
          '            add_header X-Content-Type-Options nosniff always;',
          '        }',
          '    }',
          '',
        ]
      : []),
    ...media,
    '    location / {',
    `        proxy_pass http://app_${id};`,
    '        proxy_http_version 1.1;',
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        proxy_set_header X-Forwarded-For $remote_addr;',
    '        proxy_set_header X-Forwarded-Host $host;',
    '        proxy_set_header X-Request-Id $request_id;',
    '        proxy_set_header Upgrade $http_upgrade;',
    `        proxy_set_header Connection $connection_upgrade_${id};`,
    '        proxy_read_timeout 75s;',
    '        proxy_redirect off;',
    '    }',
  ];
  const gzip = [
    '    gzip on;',
    '    gzip_vary on;',
    '    gzip_proxied any;',
    '    gzip_min_length 256;',
    '    gzip_types text/css text/plain text/javascript application/javascript application/json application/xml image/svg+xml;',
  ];
  const lines = [
    '# Generated by adv-deploy nginx. Pair with SECURE_PROXY_SSL_HEADER=X-Forwarded-Proto,https.',
    `upstream app_${id} {`,
    ...upstreams.map((u) => `    server ${u};`),
    '    keepalive 32;',
    '}',
    '',
    `map $http_upgrade $connection_upgrade_${id} {`,
    '    default upgrade;',
    "    ''      '';",
    '}',
    '',
  ];
  const http2 = ' ssl http2';
  if (defaultServer) {
    lines.push(
      "# Requests for any other Host end here (Django's deployment checklist): 444 closes the connection.",
      'server {',
      ...listen(httpPort, ' default_server'),
      '    server_name _;',
      '    server_tokens off;',
      '    return 444;',
      '}',
      '',
    );
    if (tls) {
      lines.push(
        '# TLS for any other name is refused in the handshake, so this server needs no certificate.',
        'server {',
        ...listen(httpsPort, `${http2} default_server`),
        '    server_name _;',
        '    server_tokens off;',
        '    ssl_reject_handshake on;',
        '}',
        '',
      );
    }
  }
  if (tls) {
    lines.push(
      'server {',
      ...listen(httpPort, ''),
      `    server_name ${names.join(' ')};`,
      '    server_tokens off;',
      '    location /.well-known/acme-challenge/ { root /var/www/letsencrypt; }',
      `    location / { return 301 https://$host${httpsPort === 443 ? '' : `:${httpsPort}`}$request_uri; }`,
      '}',
      '',
      'server {',
      ...listen(httpsPort, http2),
      `    server_name ${names.join(' ')};`,
      '    server_tokens off;',
      '',
      `    ssl_certificate ${tls.certificate};`,
      `    ssl_certificate_key ${tls.certificateKey};`,
      '    ssl_protocols TLSv1.2 TLSv1.3;',
      '    ssl_prefer_server_ciphers off;',
      '    ssl_session_cache shared:adv_ssl:10m;',
      '    ssl_session_timeout 1d;',
      '',
      ...gzip,
      ...app,
      '}',
    );
  } else {
    lines.push(
      'server {',
      ...listen(httpPort, ''),
      `    server_name ${names.join(' ')};`,
      '    server_tokens off;',
      '',
      ...gzip,
      ...app,
      '}',
    );
  }
  return `${lines.join('\n')}\n`;
}
