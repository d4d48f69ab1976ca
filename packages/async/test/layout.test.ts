import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const src = fileURLToPath(new URL('../src', import.meta.url));

/** Every relative import of every file under src/, as `from-folder -> target path` (from src/). */
function imports(): { from: string; file: string; target: string }[] {
  const found: { from: string; file: string; target: string }[] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) walk(path);
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        for (const match of text.matchAll(/^(?:import|export)\b[^'`]*?from '(\.[^']+)'/gm)) {
          const target = relative(src, join(dir, match[1]!));
          const file = relative(src, path);
          found.push({ from: file.includes('/') ? file.split('/')[0]! : '.', file, target });
        }
      }
    }
  };
  walk(src);
  return found;
}

const folder = (path: string) => (path.includes('/') ? path.split('/')[0]! : '.');

describe('src/ layout: server -> websocket -> bridge -> response, arrows only downwards', () => {
  const all = imports();
  const below: Record<string, string[]> = {
    response: [],
    bridge: ['response'],
    websocket: ['bridge'],
    server: ['websocket', 'bridge', 'response'],
  };

  it('no folder imports one above it', () => {
    const layers = Object.keys(below);
    const upwards = all.filter(
      ({ from, target }) =>
        layers.includes(from) &&
        layers.includes(folder(target)) &&
        folder(target) !== from &&
        !below[from]!.includes(folder(target)),
    );
    expect(upwards).toEqual([]);
  });

  it('bridge/ and response/ are imported from outside only through their index.ts', () => {
    const reaching = all.filter(
      ({ from, target }) =>
        ['bridge', 'response'].includes(folder(target)) && folder(target) !== from && !target.endsWith('/index.js'),
    );
    expect(reaching).toEqual([]);
  });

  it('the old mixed serve/ folder is gone', () => {
    expect(readdirSync(src)).not.toContain('serve');
    expect(all.length).toBeGreaterThan(50);
  });
});
