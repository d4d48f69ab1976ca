import { execFile } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';

const run = promisify(execFile);
const redisUrl = inject('redisUrl');
const packageDir = fileURLToPath(new URL('..', import.meta.url));
const fixture = fileURLToPath(new URL('./fixtures/loaded-modules.ts', import.meta.url));
const temp: string[] = [];
afterAll(() => {
  for (const dir of temp) rmSync(dir, { recursive: true, force: true });
});

/** Runs a TypeScript file in a fresh Node process (tsx resolved from this package). */
function node(args: string[]) {
  return run(process.execPath, ['--import', 'tsx', ...args], { cwd: packageDir, timeout: 60_000 });
}

describe('@adv/async/redis: ioredis is an optional peer dependency', () => {
  it('the root entry does not load ioredis; the redis entry loads it only for a layer', {
    timeout: 60_000,
  }, async () => {
    const root = await node([fixture, join(packageDir, 'src/index.ts')]);
    expect(JSON.parse(root.stdout)).toEqual([]);
    if (!redisUrl) return;
    // The control: the same check does see ioredis once a layer is created.
    const redis = await node([fixture, join(packageDir, 'src/redis.ts'), `${redisUrl}/5`]);
    expect((JSON.parse(redis.stdout) as string[]).length).toBeGreaterThan(0);
  });

  it('without ioredis installed, redisLayer() throws ERR_MISSING_DEPENDENCY naming the package', {
    timeout: 60_000,
  }, async () => {
    // The package's source in a directory from which `ioredis` cannot be resolved.
    const dir = mkdtempSync(join(tmpdir(), 'adv-async-no-ioredis-'));
    temp.push(dir);
    expect(existsSync(join(tmpdir(), 'node_modules'))).toBe(false);
    cpSync(join(packageDir, 'src'), join(dir, 'src'), { recursive: true });
    // Its one required dependency stays resolvable: only the optional peer is missing.
    mkdirSync(join(dir, 'node_modules', '@adv'), { recursive: true });
    symlinkSync(join(packageDir, '..', 'types'), join(dir, 'node_modules', '@adv', 'types'), 'dir');
    writeFileSync(join(dir, 'package.json'), JSON.stringify({ type: 'module' }));
    writeFileSync(
      join(dir, 'main.ts'),
      `import { redisLayer } from './src/redis.js';
try {
  redisLayer({ url: 'redis://127.0.0.1:1' });
  console.log('no error');
} catch (error) {
  console.log(JSON.stringify({ name: error.name, code: error.code, message: error.message }));
}
`,
    );
    const { stdout } = await node([join(dir, 'main.ts')]);
    expect(JSON.parse(stdout)).toEqual({
      name: 'AsyncError',
      code: 'ERR_MISSING_DEPENDENCY',
      message:
        'redisLayer() needs `ioredis`, an optional peer dependency of @adv/async: install it with `npm install ioredis`',
    });
  });
});
