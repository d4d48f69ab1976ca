import { createHmac, randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt cost: N=2^15, r=8, p=1 (32 MiB, tens of ms per try), OWASP's minimum for scrypt. */
const SCRYPT = { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 } as const;
const KEY_LENGTH = 32;

const hmac = (key: string | Buffer, text: string) => createHmac('sha256', key).update(text).digest();

function scryptAsync(password: string, salt: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(password, salt, KEY_LENGTH, SCRYPT, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** Constant-time equality of two byte strings (different lengths are unequal, without a timing hint on content). */
export function sameBytes(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/**
 * The admin password as a scrypt hash, and a check of a candidate against it. The salt is
 * derived from SECRET_KEY, so every process of one deployment computes the same hash (and the
 * same session key, which depends on it: changing ADMIN_PASSWORD logs every session out).
 * The plaintext is not kept.
 */
export class PasswordVerifier {
  readonly #salt: Buffer;
  readonly #hash: Promise<Buffer>;

  constructor(password: string, secretKey: string) {
    this.#salt = hmac(secretKey, 'adv.admin.password-salt');
    this.#hash = scryptAsync(password, this.#salt);
    // Surfaced by `ready()` / `verify()`; not an unhandled rejection meanwhile.
    this.#hash.catch(() => {});
  }

  /** The hash (for deriving the session key); resolves once scrypt has run. */
  hash(): Promise<Buffer> {
    return this.#hash;
  }

  /** Whether `candidate` is the password: scrypt of the candidate, compared in constant time. */
  async verify(candidate: string): Promise<boolean> {
    const [expected, actual] = await Promise.all([this.#hash, scryptAsync(candidate, this.#salt)]);
    return sameBytes(expected, actual);
  }
}

/** What a valid session cookie carries. */
export interface AdminSession {
  /** Random id of this login (shown shortened in the audit list, the CSRF token is bound to it). */
  id: string;
  /** Epoch ms after which the cookie is refused. */
  expires: number;
}

const b64 = (bytes: Buffer) => bytes.toString('base64url');

/**
 * Signed, expiring session values: `<payload>.<mac>` where payload is base64url JSON
 * `{id, exp}` and mac is HMAC-SHA256 over it with a key derived from SECRET_KEY and the
 * password hash. Verification accepts the current key and SECRET_KEY_FALLBACKS (rotation).
 */
export class SessionSigner {
  readonly #keys: Promise<Buffer[]>;

  constructor(secretKeys: readonly string[], passwordHash: Promise<Buffer>) {
    this.#keys = passwordHash.then((hash) =>
      secretKeys.map((key) => hmac(key, `adv.admin.session:${hash.toString('hex')}`)),
    );
    this.#keys.catch(() => {});
  }

  /** A new session value lasting `maxAgeMs`. */
  async issue(maxAgeMs: number, now = Date.now()): Promise<{ value: string; session: AdminSession }> {
    const [key] = await this.#keys;
    const session = { id: b64(randomBytes(18)), expires: now + maxAgeMs };
    const payload = b64(Buffer.from(JSON.stringify({ id: session.id, exp: session.expires })));
    return { value: `${payload}.${b64(hmac(key!, payload))}`, session };
  }

  /** The session a cookie value carries, or `undefined` when it is malformed, tampered with or expired. */
  async verify(value: string | undefined, now = Date.now()): Promise<AdminSession | undefined> {
    const match = /^([A-Za-z0-9_-]{1,400})\.([A-Za-z0-9_-]{43})$/.exec(value ?? '');
    if (!match) return undefined;
    const [, payload, mac] = match as unknown as [string, string, string];
    const given = Buffer.from(mac, 'base64url');
    const keys = await this.#keys;
    if (!keys.some((key) => sameBytes(hmac(key, payload), given))) return undefined;
    let parsed: { id?: unknown; exp?: unknown };
    try {
      parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as typeof parsed;
    } catch {
      return undefined;
    }
    if (typeof parsed?.id !== 'string' || typeof parsed.exp !== 'number' || parsed.exp <= now) return undefined;
    return { id: parsed.id, expires: parsed.exp };
  }

  /** The CSRF token of a session: HMAC of its id, so it cannot be guessed and dies with the session. */
  async csrfToken(session: AdminSession): Promise<string> {
    const [key] = await this.#keys;
    return b64(hmac(key!, `csrf:${session.id}`));
  }

  /** Whether `token` is the session's CSRF token (constant time). */
  async checkCsrf(session: AdminSession, token: string): Promise<boolean> {
    return sameBytes(Buffer.from(await this.csrfToken(session)), Buffer.from(token));
  }
}

/** A random token for the login form's double-submit cookie (before a session exists). */
export const randomToken = () => b64(randomBytes(24));

/** Reads one cookie from a request's `Cookie` header. */
export function readCookie(request: Request, name: string): string | undefined {
  for (const part of (request.headers.get('cookie') ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at !== -1 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}

/**
 * The sessions a signer issues, minus those logged out before they expire. The logout list is
 * per process: a cookie replayed to another process of a cluster stays valid there until it
 * expires (the browser itself drops it at logout).
 */
export class Sessions {
  readonly #revoked = new Map<string, number>();

  constructor(
    readonly signer: SessionSigner,
    readonly cookie: string,
  ) {}

  /** The request's valid session, if any. */
  async of(request: Request): Promise<AdminSession | undefined> {
    const session = await this.signer.verify(readCookie(request, this.cookie));
    return session && !this.#revoked.has(session.id) ? session : undefined;
  }

  /** Refuses `session` from now on. */
  revoke(session: AdminSession): void {
    const now = Date.now();
    for (const [id, expires] of this.#revoked) if (expires <= now) this.#revoked.delete(id);
    this.#revoked.set(session.id, session.expires);
  }
}
