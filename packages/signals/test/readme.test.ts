import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';

// The README's examples are part of the API: the Quick start runs as written, and every
// TypeScript example type-checks against the source.
const root = new URL('..', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const blocks = (text: string) =>
  [...text.matchAll(/```(\w*)\n([\s\S]*?)```/g)].map(([, lang, code]) => ({ lang, code: code! }));
const quickStart = blocks(readme.slice(readme.indexOf('## Quick start')));
const directory = join(root, 'test', '.tmp');
const source = "from '../../../src/index.js'";

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('README', () => {
  it('the Quick start runs and prints what the README says', async () => {
    const [code, output] = [quickStart[0]!, quickStart[1]!];
    expect(code.lang).toBe('ts');
    mkdirSync(join(directory, 'run'), { recursive: true });
    const file = join(directory, 'run', 'quick-start.ts');
    writeFileSync(file, code.code.replace("from '@adv/signals'", source));
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg))).join(' '));
    });
    try {
      await import(file);
    } finally {
      log.mockRestore();
    }
    expect(lines).toEqual(output.code.trim().split('\n'));
  });

  // tsc is pure CPU: a few seconds quiet, but a CI run on a busy 2-core machine took tsc over a
  // small app past 2 minutes. The bound stops a hang; it does not time tsc.
  it('every TypeScript example type-checks', { timeout: 630_000 }, () => {
    const folder = join(directory, 'types');
    mkdirSync(folder, { recursive: true });
    const prelude = readFileSync(join(root, 'test', 'fixtures', 'readme-prelude.ts.txt'), 'utf8');
    const examples = blocks(readme).filter(({ lang }) => lang === 'ts');
    expect(examples.length).toBeGreaterThan(15);
    for (const [index, { code }] of examples.entries()) {
      const withoutImports = code
        .split('\n')
        .filter((line) => !line.startsWith('import '))
        .join('\n');
      // The Quick start is a whole program; the other examples lean on the prelude's names.
      const text =
        index === 0
          ? code.replace("from '@adv/signals'", source)
          : `${prelude}\n${declarationsFor(withoutImports)}${withoutImports}`;
      writeFileSync(join(folder, `example-${String(index).padStart(2, '0')}.ts`), text);
    }
    writeFileSync(
      join(folder, 'tsconfig.json'),
      JSON.stringify({
        extends: '../../../../../tsconfig.base.json',
        compilerOptions: { noEmit: true, types: ['node'] },
        include: ['*.ts'],
      }),
    );
    const tsc = createRequire(import.meta.url).resolve('typescript/bin/tsc');
    let output = '';
    try {
      execFileSync(process.execPath, [tsc, '-p', folder], { encoding: 'utf8', stdio: 'pipe', timeout: 600_000 });
    } catch (error) {
      // a killed or crashed tsc has no stdout: the error itself is the output then
      output = (error as { stdout?: string }).stdout || String(error);
    }
    expect(output).toBe('');
  });
});

/** Names several examples share, declared unless the example defines them itself. */
function declarationsFor(code: string): string {
  const shared: Record<string, string> = {
    userRegistered:
      'declare const userRegistered: Signal<{ sender: typeof UserService; user: { id: number; email: string } }>;',
    runner: 'declare const runner: ReturnType<typeof sqlTransactionRunner>;',
    articles: 'declare const articles: ReturnType<typeof withModelSignals<ArticleRepository>>;',
  };
  return Object.entries(shared)
    .filter(([name]) => !new RegExp(`\\b(const|let)\\s+${name}\\b`).test(code))
    .map(([, declaration]) => `${declaration}\n`)
    .join('');
}
