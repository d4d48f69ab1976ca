import { describe, expect, it } from 'vitest';
import { memoryLayer } from '../src/index.js';
import { channelLayerContract } from './layer-contract.js';

describe('memoryLayer: channel layer contract', () => {
  channelLayerContract((options) => memoryLayer(options), { name: '@adv/async:memory', shared: false });
});

describe('memoryLayer options', () => {
  it('validates capacity and expiry', () => {
    expect(() => memoryLayer({ capacity: 0 })).toThrow(
      'Expected `capacity` to be an integer from 1 and up, got `0` (number)',
    );
    expect(() => memoryLayer({ expiry: 1.5 })).toThrow(/Expected `expiry`/);
  });
});
