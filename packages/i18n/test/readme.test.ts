import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { USER_PROJECT_OPTIONS } from './compiler-options.js';

// The README's Quick start is part of the API: its files (each marked `<!-- doctest: file … -->`)
// run as written against the source, a pt-BR visitor gets Portuguese, and the typo it promises
// is a compile error. (scripts/doc-tests.mjs runs every README block against the packed tarball.)
const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## API'));
const files = Object.fromEntries(
  [...quickStart.matchAll(/<!-- doctest: file (\S+) -->\n(?:<!--[\s\S]*?-->\n)*```\w+\n([\s\S]*?)```/g)].map(
    (match) => [match[1]!, match[2]!],
  ),
);
// Not under test/.tmp, which types.test.ts removes as a whole when it ends (files run in parallel).
const dir = join(root, '.tmp', 'readme');

afterAll(() => rmSync(join(root, '.tmp'), { recursive: true, force: true }));

function writeProject(target: 'src' | 'dist', extra = ''): string {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  for (const [file, text] of Object.entries(files)) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    const source = text.replace("from '@adv/i18n'", `from '../../${target}/index.js'`);
    writeFileSync(join(dir, file), file === 'app.ts' ? `${source}${extra}` : source);
  }
  return join(dir, 'app.ts');
}

describe('README Quick start', { timeout: 120_000 }, () => {
  it('has the catalogs, i18n.ts and app.ts', () => {
    expect(Object.keys(files).sort()).toEqual(['app.ts', 'i18n.ts', 'locale/en.json', 'locale/pt-BR.json']);
  });

  it('runs: an English and a pt-BR visitor each get their language', async () => {
    const file = writeProject('src');
    const lines: string[] = [];
    const log = console.log;
    console.log = (line: string) => lines.push(line);
    try {
      const { app } = (await import(file)) as { app: (request: Request) => Promise<Response> };
      expect(lines).toEqual(['2 items', '2 itens']);
      const response = await app(new Request('http://localhost/', { headers: { cookie: 'lang=pt-BR' } }));
      expect(await response.text()).toBe('2 itens');
    } finally {
      console.log = log;
    }
  });

  it('type-checks, and a typo in an id is a compile error', () => {
    const file = writeProject('dist', `\nexport const typo = t('cart.itemz');\n`);
    const program = ts.createProgram({ rootNames: [file], options: USER_PROJECT_OPTIONS });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]}`);
    expect(diagnostics).toEqual([
      `TS2345: Argument of type '"cart.itemz"' is not assignable to parameter of type '"hello" | "cart.items"'.`,
    ]);
  });
});
