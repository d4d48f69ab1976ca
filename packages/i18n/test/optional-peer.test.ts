import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

// liquidjs is an optional peer: the main entry and the CLI must load without it. The child
// process gets a module hook that makes `liquidjs` unresolvable, as in an app that never installed it.
const dist = join(import.meta.dirname, '..', 'dist');
const hooks = `export async function resolve(specifier, context, next) {
  if (specifier === 'liquidjs' || specifier.startsWith('liquidjs/')) {
    throw Object.assign(new Error("Cannot find package 'liquidjs'"), { code: 'ERR_MODULE_NOT_FOUND' });
  }
  return next(specifier, context);
}`;
const register = `import { register } from 'node:module';
register(${JSON.stringify(`data:text/javascript,${encodeURIComponent(hooks)}`)});`;

function runWithoutLiquid(script: string): string {
  return execFileSync(
    process.execPath,
    ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', script],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] },
  ).trim();
}

describe('liquidjs as an optional peer', { timeout: 60_000 }, () => {
  it('the main entry and the CLI load and work without liquidjs; only @adv/i18n/liquid needs it', () => {
    const index = pathToFileURL(join(dist, 'index.js')).href;
    const cli = pathToFileURL(join(dist, 'cli.js')).href;
    const liquid = pathToFileURL(join(dist, 'liquid.js')).href;
    const output = runWithoutLiquid(`
      const { createI18n } = await import(${JSON.stringify(index)});
      await import(${JSON.stringify(cli)});
      const i18n = createI18n({ locales: ['en'], defaultLocale: 'en', messages: { en: { hi: 'Hi {name}' } } });
      console.log(i18n.t('hi', { name: 'Ana' }));
      try { await import(${JSON.stringify(liquid)}); console.log('liquid loaded'); }
      catch (error) { console.log(error.code); }
    `);
    expect(output.split('\n')).toEqual(['Hi Ana', 'ERR_MODULE_NOT_FOUND']);
  });
});
