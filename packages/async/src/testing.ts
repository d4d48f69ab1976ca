/**
 * `@adv/async/testing`: the contract suites every channel layer passes, for authors of a layer
 * of their own (keyv's `@keyv/test-suite` idea). They take the test runner's `it` (and
 * `describe`) and a factory, and assert with `node:assert/strict`: vitest, jest and `node:test`
 * all run them. Importing this entry loads neither ioredis nor a test runner.
 */
export type { ChannelLayerContractOptions, ChannelLayerFactory } from './testing/layer-contract.js';
export { channelLayerContract } from './testing/layer-contract.js';
export type {
  OutageChild,
  OutageContractOptions,
  OutageLayerFactory,
  OutageServer,
  OutageServerHandle,
} from './testing/outage-contract.js';
export { channelLayerOutageContract } from './testing/outage-contract.js';
export type { TestRunner } from './testing/runner.js';
