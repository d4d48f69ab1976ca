import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { type ChannelLayer, type ChannelLayerOptions, memoryLayer } from '../src/index.js';
import { channelLayerContract, channelLayerOutageContract, type TestRunner } from '../src/testing.js';

const run = promisify(execFile);
const packageDir = fileURLToPath(new URL('..', import.meta.url));

/** A runner that records what the suite registers, without running it. */
function recorder() {
  const names: string[] = [];
  const groups: string[] = [];
  const runner: TestRunner = {
    it: (name) => names.push(name),
    describe: (name, body) => {
      groups.push(name);
      body();
    },
  };
  return { runner, names, groups };
}

describe('@adv/async/testing', () => {
  it('imports nothing but node:*, @adv/types and its own files (no test runner, no ioredis)', () => {
    const dir = join(packageDir, 'src/testing');
    const files = [join(packageDir, 'src/testing.ts'), ...readdirSync(dir).map((file) => join(dir, file))];
    const specifiers = files.flatMap((file) =>
      [...readFileSync(file, 'utf8').matchAll(/^(?:import|export)\b[^'`]*?from '([^']+)'/gm)].map((match) => match[1]!),
    );
    const foreign = specifiers.filter(
      (s) => !s.startsWith('node:') && !s.startsWith('.') && s !== '@adv/types' && !s.startsWith('@adv/types/'),
    );
    expect(specifiers).toContain('node:assert/strict');
    expect(foreign).toEqual([]);
  });

  it('loading the entry does not load ioredis', { timeout: 60_000 }, async () => {
    const fixture = fileURLToPath(new URL('./fixtures/loaded-modules.ts', import.meta.url));
    const { stdout } = await run(process.execPath, ['--import', 'tsx', fixture, join(packageDir, 'src/testing.ts')], {
      cwd: packageDir,
    });
    expect(JSON.parse(stdout)).toEqual([]);
  });

  it('registers the single-process tests, and the cross-process ones only for a shared layer', () => {
    const local = recorder();
    channelLayerContract(local.runner, () => memoryLayer());
    expect(local.groups).toEqual(['channel layer contract']);
    expect(local.names).toHaveLength(12);
    const shared = recorder();
    channelLayerContract(shared.runner, () => memoryLayer(), { shared: true, title: 'mine' });
    expect(shared.groups).toEqual(['mine']);
    expect(shared.names).toHaveLength(14);
  });

  it('checks stats() when the layer has it, requires it with stats: true, and passes a layer without it otherwise', async () => {
    const withoutStats = (options?: ChannelLayerOptions) => {
      const layer: ChannelLayer = memoryLayer(options);
      delete layer.stats;
      return layer;
    };
    const statsBody = (factory: (options?: ChannelLayerOptions) => ChannelLayer, options?: { stats: boolean }) => {
      const bodies = new Map<string, () => Promise<void>>();
      channelLayerContract({ it: (name, body) => bodies.set(name, body as () => Promise<void>) }, factory, options);
      const name = [...bodies.keys()].find((key) => key.includes('stats()'));
      return bodies.get(name!)!;
    };
    await statsBody((options) => memoryLayer(options), { stats: true })();
    await statsBody(withoutStats)();
    await expect(statsBody(withoutStats, { stats: true })()).rejects.toThrow('the layer has no stats() method');
    // A layer whose stats() miscounts fails the test.
    const miscounting = (options?: ChannelLayerOptions) => {
      const layer = memoryLayer(options);
      const real = layer.stats;
      return { ...layer, stats: () => ({ ...real(), sent: 0 }) };
    };
    await expect(statsBody(miscounting)()).rejects.toThrow(/Expected values to be strictly deep-equal/);
  });

  it('registers the outage tests the hooks allow: none, the child only, or all five', () => {
    const child = { entry: 'x', factory: 'y', options: () => ({}) };
    const server = { start: () => Promise.reject(new Error('not started')), url: (port: number) => `x://${port}` };
    const counts = [{}, { child }, { child, server }].map((options) => {
      const { runner, names } = recorder();
      channelLayerOutageContract(runner, () => memoryLayer(), options);
      return names.length;
    });
    expect(counts).toEqual([0, 1, 5]);
  });

  it('validates its arguments and options', () => {
    const { runner } = recorder();
    expect(() => channelLayerContract(runner, () => memoryLayer(), { shard: true } as never)).toThrow(
      'Unknown option `shard` of `channelLayerContract()`; did you mean `shared`?',
    );
    expect(() => channelLayerContract({} as never, () => memoryLayer())).toThrow(/`runner` to be an object/);
    expect(() => channelLayerOutageContract(runner, 'layer' as never)).toThrow(/`factory` to be a function/);
  });
});
