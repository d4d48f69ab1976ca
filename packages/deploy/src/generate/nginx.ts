import { nginxServers } from './nginx-blocks.js';
import { resolveNginxOptions } from './nginx-options.js';

export { NGINX_DEFAULTS } from './nginx-options.js';

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
  return `${nginxServers(resolveNginxOptions(options)).join('\n')}\n`;
}
