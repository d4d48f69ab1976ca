/**
 * Type-checking cost of typed message ids on a 5,000-key catalog (the README's tsc figures):
 * `tsc --noEmit` time, best of several interleaved rounds, for (a) importing the JSON catalog
 * alone, (b) the same plus `createI18n` and two typed `t()` calls, (c) the same with i18next's
 * typed `t` (`CustomTypeOptions` resources, `keySeparator: false`). Each case is a fresh
 * program from the compiler API. Run: `cd bench && npx tsx i18n/typecheck.ts [--rounds 6]`.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { USER_PROJECT_OPTIONS } from '../../packages/i18n/test/compiler-options.js';

const KEYS = 5000;
const here = import.meta.dirname;
const dir = join(here, '.tmp', 'typecheck');
const roundsIndex = process.argv.indexOf('--rounds');
const rounds = roundsIndex > 0 ? Number(process.argv[roundsIndex + 1]) : 6;

const catalog = Object.fromEntries(Array.from({ length: KEYS }, (_, i) => [`page${i % 50}.key${i}`, `Text ${i}`]));
const cases: Record<string, string> = {
  'json only': `import en from './en.json' with { type: 'json' };
export const size: number = Object.keys(en).length;`,
  '@adv/i18n createI18n + 2 t()': `import { createI18n } from '@adv/i18n';
import en from './en.json' with { type: 'json' };
const i18n = createI18n({ locales: ['en'], defaultLocale: 'en', messages: { en } });
export const a: string = i18n.t('page7.key4007');
export const b: string = i18n.t('page0.key0');`,
  'i18next typed t + 2 t()': `import i18next from 'i18next';
import en from './en.json' with { type: 'json' };
declare module 'i18next' {
  interface CustomTypeOptions { defaultNS: 'translation'; keySeparator: false; resources: { translation: typeof en } }
}
export const a: string = i18next.t('page7.key4007');
export const b: string = i18next.t('page0.key0');`,
};

function check(name: string): number {
  const file = join(dir, `${name.replace(/\W+/g, '-')}.ts`);
  const start = process.hrtime.bigint();
  const program = ts.createProgram({
    rootNames: [file],
    // The tests' user project, without Node's and the DOM's types (neither side uses them).
    options: { ...USER_PROJECT_OPTIONS, types: [], lib: undefined },
  });
  const diagnostics = ts.getPreEmitDiagnostics(program);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (diagnostics.length > 0) {
    const text = diagnostics.map((d) => ts.flattenDiagnosticMessageText(d.messageText, '\n')).join('\n');
    throw new Error(`${name}: unexpected type errors:\n${text}`);
  }
  return seconds;
}

mkdirSync(dir, { recursive: true });
try {
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(dir, 'en.json'), JSON.stringify(catalog));
  for (const [name, code] of Object.entries(cases)) writeFileSync(join(dir, `${name.replace(/\W+/g, '-')}.ts`), code);
  const best: Record<string, number> = Object.fromEntries(Object.keys(cases).map((name) => [name, Infinity]));
  for (let round = 0; round < rounds; round++) {
    for (const name of Object.keys(cases)) best[name] = Math.min(best[name]!, check(name));
  }
  console.log(`tsc check time, ${KEYS.toLocaleString('en')}-key catalog, best of ${rounds} interleaved rounds:`);
  for (const [name, seconds] of Object.entries(best)) console.log(`  ${name.padEnd(32)} ${seconds.toFixed(2)} s`);
} finally {
  rmSync(join(here, '.tmp'), { recursive: true, force: true });
}
