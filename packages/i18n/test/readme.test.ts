import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { USER_PROJECT_OPTIONS } from './compiler-options.js';

// The README's Quick start is part of the API: it runs as written (against the source), a
// pt-BR visitor gets Portuguese, and the typo it promises is a compile error.
const root = join(import.meta.dirname, '..');
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const quickStart = readme.slice(readme.indexOf('## Quick start'), readme.indexOf('## API'));
const [json, code] = [...quickStart.matchAll(/```(\w+)\n([\s\S]*?)```/g)].map((match) => match[2]!);
// Not under test/.tmp, which types.test.ts removes as a whole when it ends (files run in parallel).
const dir = join(root, '.tmp', 'readme');

afterAll(() => rmSync(join(root, '.tmp'), { recursive: true, force: true }));

function writeProject(entry: string, source: string): string {
  mkdirSync(join(dir, 'locale'), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
  writeFileSync(join(dir, 'locale', 'en.json'), json!);
  const ptBR = {
    hello: 'Olá, {name}!',
    'cart.items': '{count, plural, =0 {Seu carrinho está vazio} one {# item} other {# itens}}',
  };
  writeFileSync(join(dir, 'locale', 'pt-BR.json'), JSON.stringify(ptBR));
  const file = join(dir, entry);
  writeFileSync(file, source);
  return file;
}

describe('README Quick start', { timeout: 120_000 }, () => {
  it('runs: an English and a pt-BR visitor each get their language', async () => {
    const file = writeProject(
      'run.ts',
      `${code!.replace("from '@adv/i18n'", "from '../../src/index.js'")}\nexport { app };\n`,
    );
    const { app } = (await import(file)) as { app: (request: Request) => Promise<Response> };
    const visit = async (headers: Record<string, string>) =>
      (await app(new Request('http://localhost/', { headers }))).text();
    expect(await visit({ 'accept-language': 'en-US' })).toBe('2 items');
    expect(await visit({ 'accept-language': 'pt-BR,pt;q=0.9' })).toBe('2 itens');
  });

  it('type-checks, and a typo in an id is a compile error', () => {
    const source = code!.replace("from '@adv/i18n'", "from '../../dist/index.js'");
    const file = writeProject('types.ts', `${source}\nexport const typo = t('cart.itemz');\n`);
    const program = ts.createProgram({
      rootNames: [file],
      options: USER_PROJECT_OPTIONS,
    });
    const diagnostics = ts
      .getPreEmitDiagnostics(program)
      .map((d) => `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n').split('\n')[0]}`);
    expect(diagnostics).toEqual([
      `TS2345: Argument of type '"cart.itemz"' is not assignable to parameter of type '"hello" | "cart.items"'.`,
    ]);
  });
});
