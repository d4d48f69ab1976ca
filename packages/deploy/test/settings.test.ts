import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { z as z3 } from 'zod3';
import { DeployError, defineSettings, SettingsError, type StandardSchemaV1 } from '../src/index.js';

const KEY = 'k3y-9f8a7c6b5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4';

describe('defineSettings', () => {
  it('parses Django settings from env with types and defaults', () => {
    const s = defineSettings({
      envFile: false,
      env: {
        SECRET_KEY: KEY,
        DEBUG: 'false',
        ALLOWED_HOSTS: 'example.com, .example.org,',
        SECURE_HSTS_SECONDS: '31536000',
        SECURE_PROXY_SSL_HEADER: 'X-Forwarded-Proto,https',
        SECURE_SSL_REDIRECT: 'yes',
      },
    });
    expect(s.DEBUG).toBe(false);
    expect(s.ALLOWED_HOSTS).toEqual(['example.com', '.example.org']);
    expect(s.SECURE_HSTS_SECONDS).toBe(31536000);
    expect(s.SECURE_PROXY_SSL_HEADER).toEqual(['x-forwarded-proto', 'https']);
    const django = defineSettings({
      envFile: false,
      env: { SECRET_KEY: KEY, SECURE_PROXY_SSL_HEADER: 'HTTP_X_FORWARDED_PROTO, https' },
    });
    expect(django.SECURE_PROXY_SSL_HEADER).toEqual(['x-forwarded-proto', 'https']);
    expect(s.SECURE_SSL_REDIRECT).toBe(true);
    expect(s.X_FRAME_OPTIONS).toBe('DENY');
    expect(s.SECURE_REFERRER_POLICY).toBe('same-origin');
    expect(Object.isFrozen(s)).toBe(true);
  });

  it('adds the app fields from a zod shape', () => {
    const s = defineSettings({
      envFile: false,
      env: { SECRET_KEY: KEY, WORKERS: '4' },
      schema: { WORKERS: z.coerce.number().int().min(1), REDIS_URL: z.string().optional() },
    });
    expect(s.WORKERS).toBe(4);
    expect(s.REDIS_URL).toBeUndefined();
  });

  it('lists every problem in one error, with the variable to set', () => {
    let error: unknown;
    try {
      defineSettings({
        envFile: false,
        env: {
          DEBUG: 'maybe',
          SECURE_HSTS_SECONDS: '-5',
          X_FRAME_OPTIONS: 'ALLOWALL',
          SECURE_REFERRER_POLICY: 'same-origin, everywhere',
          SECURE_CROSS_ORIGIN_OPENER_POLICY: 'open',
        },
        schema: { PORT: z.coerce.number().int() },
      });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(SettingsError);
    expect(error).toBeInstanceOf(DeployError);
    const e = error as SettingsError;
    expect(e.code).toBe('ERR_INVALID_SETTINGS');
    expect(e.issues.map((i) => i.variable).sort()).toEqual([
      'DEBUG',
      'PORT',
      'SECRET_KEY',
      'SECURE_CROSS_ORIGIN_OPENER_POLICY',
      'SECURE_HSTS_SECONDS',
      'SECURE_REFERRER_POLICY',
      'X_FRAME_OPTIONS',
    ]);
    expect(e.message).toContain('7 problems');
    expect(e.message).toContain('got `same-origin, everywhere`');
    expect(e.message).toContain('SECRET_KEY: is required');
    expect(e.message).toContain('got `maybe`');
  });

  it('escapes control characters so a value cannot forge lines of the error', () => {
    let message = '';
    try {
      defineSettings({ envFile: false, env: { SECRET_KEY: KEY, DEBUG: 'no\n  - SECRET_KEY: fine' } });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.split('\n')).toHaveLength(2);
    expect(message).toContain('got `no\\u000a  - SECRET_KEY: fine`');
  });

  it('never shows secret values in errors, JSON or inspect', () => {
    const secret = 'hunter2-super-secret-value';
    let message = '';
    try {
      defineSettings({
        envFile: false,
        env: {
          SECRET_KEY: KEY,
          DB_PASSWORD: secret,
          STRIPE_KEY: secret,
          DATABASE_URL: `postgres://u:${secret}@db/app`,
        },
        schema: {
          DB_PASSWORD: z.string().min(100),
          STRIPE_KEY: z.string().min(100),
          DATABASE_URL: z.string().min(500),
        },
        secrets: ['STRIPE_KEY'],
      });
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toContain('DB_PASSWORD');
    expect(message).toContain('STRIPE_KEY');
    expect(message).not.toContain(secret);
    const s = defineSettings({
      envFile: false,
      env: { SECRET_KEY: KEY, API_TOKEN: secret },
      schema: { API_TOKEN: z.string() },
    });
    expect(s.SECRET_KEY).toBe(KEY);
    expect(s.API_TOKEN).toBe(secret);
    for (const shown of [JSON.stringify(s), inspect(s), JSON.stringify({ settings: s })]) {
      expect(shown).not.toContain(KEY);
      expect(shown).not.toContain(secret);
      expect(shown).toContain('[redacted]');
    }
  });

  it('reads a .env file, with the real environment winning', () => {
    const dir = mkdtempSync(join(tmpdir(), 'adv-deploy-env-'));
    const file = join(dir, '.env');
    writeFileSync(file, `SECRET_KEY=${KEY}\nALLOWED_HOSTS=from-file.com\nDEBUG=true\n`);
    const s = defineSettings({ envFile: file, env: { ALLOWED_HOSTS: 'from-env.com' } });
    expect(s.ALLOWED_HOSTS).toEqual(['from-env.com']);
    expect(s.DEBUG).toBe(true);
    expect(s.SECRET_KEY).toBe(KEY);
  });

  it('fails on a named .env file that is missing', () => {
    expect(() => defineSettings({ envFile: '/nonexistent/.env', env: {} })).toThrow(
      expect.objectContaining({ code: 'ERR_ENV_FILE' }),
    );
  });

  it('rejects bad options with typed errors', () => {
    expect(() => defineSettings({ env: null as never })).toThrow(
      /Expected `env` to be an object of strings, got `null` \(null\)/,
    );
    expect(() => defineSettings({ secrets: 'x' as never, env: {} })).toThrow(
      expect.objectContaining({ code: 'ERR_INVALID_OPTION' }),
    );
  });

  it('takes app fields from zod 3 (3.24+) schemas too, through Standard Schema', () => {
    const s = defineSettings({
      envFile: false,
      env: { SECRET_KEY: KEY, WORKERS: '4', MODE: 'fast' },
      schema: {
        WORKERS: z3.coerce.number().int().min(1),
        MODE: z3.enum(['fast', 'slow']),
        TAG: z3.string().optional(),
      },
    });
    const workers: number = s.WORKERS;
    const mode: 'fast' | 'slow' = s.MODE;
    expect([workers, mode, s.TAG]).toEqual([4, 'fast', undefined]);
    expect(() =>
      defineSettings({
        envFile: false,
        env: { SECRET_KEY: KEY, WORKERS: '0' },
        schema: { WORKERS: z3.coerce.number().min(1) },
      }),
    ).toThrow(/WORKERS: Number must be greater than or equal to 1, got `0`/);
    expect(() =>
      defineSettings({ envFile: false, env: { SECRET_KEY: KEY }, schema: { WORKERS: z3.string() } }),
    ).toThrow(/WORKERS: is required: set this variable/);
  });

  it('takes any Standard Schema validator, lets an app field replace a base setting, refuses async ones and non-schemas', () => {
    const upper: StandardSchemaV1<string | undefined, string> = {
      '~standard': {
        version: 1,
        vendor: 'hand-written',
        validate: (value) =>
          typeof value === 'string' ? { value: value.toUpperCase() } : { issues: [{ message: 'expected text' }] },
      },
    };
    const s = defineSettings({
      envFile: false,
      env: { SECRET_KEY: KEY, NAME: 'board', STATIC_ROOT: 'dist/static' },
      schema: { NAME: upper, STATIC_ROOT: upper },
    });
    const root: string = s.STATIC_ROOT;
    expect([s.NAME, root]).toEqual(['BOARD', 'DIST/STATIC']);
    const slow: StandardSchemaV1<unknown, string> = {
      '~standard': { version: 1, vendor: 'x', validate: async () => ({ value: 'late' }) },
    };
    expect(() =>
      defineSettings({ envFile: false, env: { SECRET_KEY: KEY, LATE: 'x' }, schema: { LATE: slow } }),
    ).toThrow(/LATE: has an asynchronous validator/);
    expect(() => defineSettings({ envFile: false, env: { SECRET_KEY: KEY }, schema: { PORT: 3000 as never } })).toThrow(
      /Expected `schema.PORT` to be a Standard Schema validator \(zod 4 or 3.24\+/,
    );
  });

  describe('refuses a weak SECRET_KEY with DEBUG off (Django security.W009, adv.E003)', () => {
    const refused = (env: Record<string, string>) => {
      try {
        defineSettings({ envFile: false, env: { ALLOWED_HOSTS: 'example.com', ...env } });
      } catch (error) {
        return error as SettingsError;
      }
      return undefined;
    };

    it.each([
      ['changeme', 'adv.E003'],
      ['a-forty-nine-character-key-0123456789abcdefghijk', 'security.W009'],
      ['abababababababababababababababababababababababababababab', 'security.W009'],
      [`django-insecure-${KEY}`, 'adv.E003'], // W009 too; 'insecure' makes it a placeholder first
      [`${KEY}-changeme`, 'adv.E003'],
    ])('refuses %j (%s) with a SettingsError naming the check, never the value', (key, check) => {
      const error = refused({ SECRET_KEY: key });
      expect(error).toBeInstanceOf(SettingsError);
      expect(error?.code).toBe('ERR_INVALID_SETTINGS');
      expect(error?.issues).toEqual([expect.objectContaining({ variable: 'SECRET_KEY', check })]);
      expect(error?.message).toContain('DEBUG is off, so it is refused');
      expect(error?.message).toContain('randomBytes(48)');
      expect(error?.message).not.toContain(key);
    });

    it('refuses a placeholder fallback key, accepts a strong key, and loads weak keys with DEBUG or allowWeakSecretKey', () => {
      expect(refused({ SECRET_KEY: KEY, SECRET_KEY_FALLBACKS: `${KEY}x,changeme` })?.issues).toEqual([
        expect.objectContaining({ variable: 'SECRET_KEY_FALLBACKS[1]', check: 'adv.E003' }),
      ]);
      expect(refused({ SECRET_KEY: KEY })).toBeUndefined();
      expect(refused({ SECRET_KEY: 'changeme', DEBUG: 'true' })).toBeUndefined();
      const s = defineSettings({ envFile: false, env: { SECRET_KEY: 'changeme' }, allowWeakSecretKey: true });
      expect(s.SECRET_KEY).toBe('changeme');
    });
  });
});
