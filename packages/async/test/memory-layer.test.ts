import { fileURLToPath } from 'node:url';
import type { DescribesBackend, GroupSender } from '@adv/types';
import { describe, expect, it } from 'vitest';
import { memoryLayer } from '../src/index.js';
import { channelLayerContract, channelLayerOutageContract } from '../src/testing.js';

describe('memoryLayer', () => {
  channelLayerContract({ it, describe }, (options) => memoryLayer(options), { name: '@adv/async:memory', stats: true });
  channelLayerOutageContract({ it, describe }, () => memoryLayer(), {
    child: {
      entry: fileURLToPath(new URL('../src/index.ts', import.meta.url)),
      factory: 'memoryLayer',
      options: () => ({}),
      execArgv: ['--import', 'tsx'],
    },
  });
});

describe('memoryLayer options', () => {
  it('validates capacity and expiry', () => {
    expect(() => memoryLayer({ capacity: 0 })).toThrow(
      'Expected `capacity` to be an integer from 1 and up, got `0` (number)',
    );
    expect(() => memoryLayer({ expiry: 1.5 })).toThrow(/Expected `expiry`/);
  });
});

describe('memoryLayer through the @adv/types contracts', () => {
  it('is a GroupSender and DescribesBackend, as glue code in other packages sees it', async () => {
    const layer = memoryLayer();
    const channel = layer.newChannel();
    await layer.groupAdd('glue', channel);
    const sender: GroupSender & DescribesBackend = layer;
    expect(sender.backendInfo.sharedAcrossProcesses).toBe(false);
    await sender.groupSend('glue', { from: 'a task' });
    expect(await layer.receive(channel)).toEqual({ from: 'a task' });
    await layer.close();
  });
});
