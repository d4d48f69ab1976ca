/**
 * The opening-handshake checks of RFC 6455 section 4.2.1, made before anything else (host,
 * origin, `authenticate`) looks at an upgrade request, and the subprotocol choice of section
 * 4.2.2. `ws` makes some of these checks itself, but accepts version 8 and echoes the client's
 * first subprotocol; these follow the RFC.
 */
import type { IncomingMessage } from 'node:http';

/** The only version this server speaks (RFC 6455 section 4.1). */
export const WEBSOCKET_VERSION = '13';

/** A refused handshake: the status, a plain-text body and any extra response headers. */
export interface HandshakeRefusal {
  status: number;
  message: string;
  headers?: Record<string, string>;
}

/** An RFC 7230 `token` (what a subprotocol name must be, RFC 6455 section 4.1). */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** A base64 encoding of exactly 16 bytes. */
const KEY = /^[+/0-9A-Za-z]{22}==$/;

/** The comma-separated, trimmed, lower-cased items of a header (empty items dropped). */
function tokens(value: string | undefined): string[] {
  if (value === undefined) return [];
  return value
    .split(',')
    .map((item) => item.trim().toLowerCase())
    .filter((item) => item !== '');
}

/**
 * The subprotocols a client offered in `Sec-WebSocket-Protocol` (every header line, in order),
 * or `undefined` when one of them is not a token or appears twice.
 */
export function offeredProtocols(request: IncomingMessage): string[] | undefined {
  const offered: string[] = [];
  const lines = request.headersDistinct['sec-websocket-protocol'] ?? [];
  for (const line of lines) {
    for (const item of line.split(',')) {
      const name = item.trim();
      if (!TOKEN.test(name) || offered.includes(name)) return undefined;
      offered.push(name);
    }
  }
  return offered;
}

/**
 * Why an upgrade request is not a valid WebSocket opening handshake (RFC 6455 section 4.2.1),
 * or `undefined` when it is one.
 */
export function checkHandshake(request: IncomingMessage): HandshakeRefusal | undefined {
  if (request.method !== 'GET') {
    return { status: 405, message: 'A WebSocket handshake must be a GET request', headers: { allow: 'GET' } };
  }
  if (request.httpVersionMajor < 1 || (request.httpVersionMajor === 1 && request.httpVersionMinor < 1)) {
    return { status: 400, message: 'A WebSocket handshake needs HTTP/1.1 or later' };
  }
  if (!request.headers.host) return { status: 400, message: 'Missing Host header' };
  const upgrade = tokens(request.headers.upgrade);
  if (upgrade.length !== 1 || upgrade[0] !== 'websocket') {
    return { status: 400, message: 'The Upgrade header must be "websocket"' };
  }
  if (!tokens(request.headers.connection).includes('upgrade')) {
    return { status: 400, message: 'The Connection header must include "Upgrade"' };
  }
  const key = request.headersDistinct['sec-websocket-key'];
  if (key === undefined || key.length !== 1 || !KEY.test(key[0]!.trim())) {
    return { status: 400, message: 'Sec-WebSocket-Key must be 16 bytes in base64' };
  }
  const version = request.headersDistinct['sec-websocket-version'];
  if (version === undefined || version.length !== 1 || version[0]!.trim() !== WEBSOCKET_VERSION) {
    return {
      status: 426,
      message: `Unsupported WebSocket version: this server speaks version ${WEBSOCKET_VERSION}`,
      headers: { 'sec-websocket-version': WEBSOCKET_VERSION },
    };
  }
  if (offeredProtocols(request) === undefined) {
    return { status: 400, message: 'Sec-WebSocket-Protocol must be a list of distinct tokens' };
  }
  return undefined;
}

/**
 * The subprotocol to answer with: the first of the route's `protocols` (its order of
 * preference) that the client offered; `false` (no `Sec-WebSocket-Protocol` in the answer) when
 * none matches or the route names none. The server never selects one the client did not offer
 * (RFC 6455 section 4.2.2).
 */
export function selectProtocol(offered: ReadonlySet<string>, supported: readonly string[] | undefined): string | false {
  if (supported === undefined) return false;
  for (const name of supported) if (offered.has(name)) return name;
  return false;
}
