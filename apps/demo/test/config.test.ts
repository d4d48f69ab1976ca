import { checkDeploy, SettingsError } from '@adv/deploy';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config.js';
import { fromRoot } from '../src/paths.js';
import { PRODUCTION_ENV } from './helpers.js';

describe('configuration from the environment', () => {
  it('runs with embedded development defaults', () => {
    const config = loadConfig({});
    expect(config.port).toBe(3000);
    expect(config.debug).toBe(true);
    expect(config.dataDir).toBe(fromRoot('data'));
    expect(config.settings.ALLOWED_HOSTS).toContain('localhost');
    expect(config.redisUrl).toBeUndefined();
  });

  it('reads typed values', () => {
    const config = loadConfig({ PORT: '8080', WORKERS: '3', REDIS_URL: 'redis://127.0.0.1:6379', SEED: 'false' });
    expect(config).toMatchObject({ port: 8080, workers: 3, redisUrl: 'redis://127.0.0.1:6379', seed: false });
  });

  it('keeps backups under the data directory, also when it is overridden', () => {
    expect(loadConfig({ DATA_DIR: '/srv/board' }).backup.dir).toBe('/srv/board/backups');
    expect(loadConfig({}, { dataDir: '/tmp/x' }).backup.dir).toBe('/tmp/x/backups');
  });

  it('refuses to run without a SECRET_KEY once DEBUG is off', () => {
    expect(() => loadConfig({ DEBUG: 'false' })).toThrow(SettingsError);
    expect(() => loadConfig({ DEBUG: 'false' })).toThrow(/SECRET_KEY/);
  });

  it('with DEBUG off and ALLOWED_HOSTS unset answers only for loopback, and check --deploy warns (adv.W020)', async () => {
    const { ALLOWED_HOSTS: _unset, ...env } = PRODUCTION_ENV;
    const config = loadConfig(env);
    expect(config.settings.ALLOWED_HOSTS).toEqual(['localhost', '127.0.0.1', '[::1]']);
    const finding = (await checkDeploy(config.settings)).find((f) => f.id === 'adv.W020');
    expect(finding).toMatchObject({ level: 'warning', message: expect.stringContaining('loopback') });
  });

  it('refuses a weak or placeholder SECRET_KEY in production; check --deploy loads it to report it', () => {
    for (const key of ['changeme', 'dev-only-insecure-key:the-demo-refuses-it-when-debug-is-off']) {
      const env = { ...PRODUCTION_ENV, SECRET_KEY: key };
      expect(() => loadConfig(env)).toThrow(SettingsError);
      expect(() => loadConfig(env)).toThrow(/SECRET_KEY/);
      expect(loadConfig(env, {}, { allowWeakSecretKey: true }).settings.SECRET_KEY).toBe(key);
    }
  });

  it('names the variable of a bad value', () => {
    expect(() => loadConfig({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => loadConfig({ WORKERS: '0' })).toThrow(/WORKERS/);
    expect(() => loadConfig({ REDIS_URL: 'http://example.com' })).toThrow(/REDIS_URL/);
  });

  it('puts the board on PostgreSQL with DATABASE_URL, else on the SQLite file in DATA_DIR', () => {
    expect(loadConfig({}, { dataDir: '/tmp/x' }).database).toEqual({
      url: undefined,
      file: '/tmp/x/board.sqlite3',
      poolSize: 10,
    });
    const url = 'postgres://board:secret@db.internal:5432/board';
    expect(loadConfig({ DATABASE_URL: url, DATABASE_POOL_SIZE: '4' }).database).toMatchObject({ url, poolSize: 4 });
    expect(loadConfig({ DATABASE_URL: 'postgresql://db/board' }).database.url).toBe('postgresql://db/board');
  });

  it('refuses a DATABASE_URL that is not PostgreSQL, saying what it expects', () => {
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db/board' })).toThrow(SettingsError);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://db/board' })).toThrow(
      /DATABASE_URL.*expected a postgres:\/\/ URL \(postgres:\/\/user:password@host:5432\/database\)/s,
    );
    expect(() => loadConfig({ DATABASE_URL: 'not a url' })).toThrow(/DATABASE_URL/);
    expect(() => loadConfig({ DATABASE_POOL_SIZE: '0' })).toThrow(/DATABASE_POOL_SIZE/);
  });
});
