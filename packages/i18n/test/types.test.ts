import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { USER_PROJECT_OPTIONS } from './compiler-options.js';

// Type-checks generated consumers of a 5,000-key catalog against the built declarations (what
// users get) with the real compiler: a typo in an id must be a compile error, valid code must
// have none. (The time tsc takes is in the README; a test never asserts on timings.)
const dir = join(import.meta.dirname, '.tmp', 'types');
const KEYS = 5000;

function typeCheck(files: Record<string, string>): string[] {
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const program = ts.createProgram({
    rootNames: Object.keys(files)
      .filter((name) => name.endsWith('.ts'))
      .map((name) => join(dir, name)),
    options: USER_PROJECT_OPTIONS,
  });
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]}`);
}

afterAll(() => rmSync(join(import.meta.dirname, '.tmp'), { recursive: true, force: true }));

// Generous: the compiler is slow on a loaded 2-core machine.
describe('typed message ids', { timeout: 120_000 }, () => {
  const catalog = Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`page${i % 50}.key${i}`, `Text ${i}`]));
  catalog['month\u0004May'] = 'May';
  const consumer = (body: string) => `import { createI18n } from '../../../dist/index.js';
import en from './en.json' with { type: 'json' };
const i18n = createI18n({ locales: ['en', 'pt-BR'], defaultLocale: 'en', messages: { en, 'pt-BR': {} } });
${body}
`;

  it('accepts ids of the default catalog and rejects a typo, on 5,000 keys', () => {
    const diagnostics = typeCheck({
      'package.json': JSON.stringify({ type: 'module' }),
      'en.json': JSON.stringify(catalog),
      'ok.ts': consumer(`export const a: string = i18n.t('page7.key4007');
export const b = i18n.pgettext('month', 'May');
export const c = String(i18n.lazy('page0.key0'));`),
      'typo.ts': consumer(`export const a = i18n.t('page7.key4007x');
export const b = i18n.pgettext('month', 'June');`),
    });
    expect(diagnostics).toHaveLength(2);
    expect(diagnostics[0]).toMatch(
      /^TS2345: Argument of type '"page7\.key4007x"' is not assignable to parameter of type '"page0\.key0" \| /,
    );
    expect(diagnostics[1]).toMatch(/^TS2345: Argument of type '"June"' is not assignable to parameter of type 'never'/);
  });

  it('allows any string when catalogs are untyped', () => {
    const diagnostics = typeCheck({
      'package.json': JSON.stringify({ type: 'module' }),
      'loose.ts': `import { createI18n, type Catalog } from '../../../dist/index.js';
declare const en: Catalog;
const i18n = createI18n({ locales: ['en'], defaultLocale: 'en', messages: { en } });
export const a: string = i18n.t('anything' + Math.random());
export const b: string = i18n.pgettext('ctx', 'id');
const lazyLoaded = createI18n({ locales: ['en'], defaultLocale: 'en', loadMessages: async () => ({}) });
export const c: string = lazyLoaded.t('whatever');`,
    });
    expect(diagnostics).toEqual([]);
  });
});
