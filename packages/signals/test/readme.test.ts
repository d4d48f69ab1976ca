import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { afterAll, describe, expect, it, vi } from 'vitest';

// Runs the README's Quick start as written (importing the source instead of the package),
// and checks that it prints the output the README shows.
const root = new URL('..', import.meta.url).pathname;
const readme = readFileSync(join(root, 'README.md'), 'utf8');
const section = readme.slice(readme.indexOf('## Quick start'));
const blocks = [...section.matchAll(/```(\w*)\n([\s\S]*?)```/g)];
const directory = join(root, 'test', '.tmp');

afterAll(() => rmSync(directory, { recursive: true, force: true }));

describe('README', () => {
  it('the Quick start runs and prints what the README says', async () => {
    const [code, output] = [blocks[0]![2]!, blocks[1]![2]!];
    expect(blocks[0]![1]).toBe('ts');
    mkdirSync(directory, { recursive: true });
    const file = join(directory, 'quick-start.ts');
    writeFileSync(file, code.replace("from '@adv/signals'", "from '../../src/index.js'"));
    const lines: string[] = [];
    const log = vi.spyOn(console, 'log').mockImplementation((...args: unknown[]) => {
      lines.push(args.map((arg) => (typeof arg === 'string' ? arg : inspect(arg))).join(' '));
    });
    try {
      await import(file);
    } finally {
      log.mockRestore();
    }
    expect(lines).toEqual(output.trim().split('\n'));
  });
});
