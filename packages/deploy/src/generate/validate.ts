import { invalidOption } from '../errors.js';

/** Host names nginx accepts in `server_name`: letters, digits, dots, dashes, a leading `*.`. */
export function checkHostName(name: string, value: unknown): string {
  if (typeof value !== 'string' || !/^(\*\.)?[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*$/.test(value)) {
    invalidOption(name, 'a host name such as `example.com`', value);
  }
  return value;
}

/** `host:port` or `unix:/path` upstream addresses. */
export function checkUpstream(name: string, value: unknown): string {
  if (typeof value !== 'string' || !/^([A-Za-z0-9.-]+|\[[0-9a-fA-F:]+\]):\d{1,5}$|^unix:\/[\w./-]+$/.test(value)) {
    invalidOption(name, 'an address such as `127.0.0.1:3000` or `unix:/run/app.sock`', value);
  }
  return value;
}

/**
 * A path safe to paste into a config file: absolute or relative, without whitespace, quotes,
 * `;`, `{`, `}`, `$` or control characters (which would let a value inject directives).
 */
export function checkPath(name: string, value: unknown, absolute = true): string {
  if (
    typeof value !== 'string' ||
    value === '' ||
    !/^[\w./@+-]+$/.test(value) ||
    (absolute && !value.startsWith('/'))
  ) {
    invalidOption(
      name,
      absolute
        ? 'an absolute path without spaces or special characters'
        : 'a path without spaces or special characters',
      value,
    );
  }
  return value;
}

/** A simple identifier (user, service name, Node version). */
export function checkWord(name: string, value: unknown, pattern = /^[A-Za-z0-9_.-]+$/): string {
  if (typeof value !== 'string' || !pattern.test(value))
    invalidOption(name, 'a plain name (letters, digits, `._-`)', value);
  return value;
}

/** A TCP port number. */
export function checkPort(name: string, value: unknown): number {
  if (!Number.isInteger(value) || (value as number) < 1 || (value as number) > 65535) {
    invalidOption(name, 'a port number from 1 to 65535', value);
  }
  return value as number;
}
