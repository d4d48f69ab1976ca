/**
 * The Node-to-Fetch bridge: a Node `IncomingMessage` becomes a Web `Request` (lazy where it can
 * be), and a Web `Response` is written to a Node `ServerResponse`. `server/`, `websocket/` and
 * the `node:http` / Express adapters use it through this module only; it depends on
 * `response/` (to write lazy responses from memory) and on nothing above it.
 */

export type { SignalSource } from './lazy-request.js';
export { setLazySignal } from './lazy-request.js';
export type { StreamingRequestInit } from './node-request.js';
export { lazySignal, toRequest } from './node-request.js';
export { writeFromMemory, writeResponse, writeStreamed } from './node-response.js';
