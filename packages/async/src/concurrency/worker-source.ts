/**
 * Code of each pool worker, run with `new Worker(source, { eval: true })`. It compiles each
 * distinct function source once and answers `{ id, ok, value | error }`.
 */
export const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const compiled = new Map();
parentPort.on('message', async ({ id, source, args }) => {
  try {
    let fn = compiled.get(source);
    if (fn === undefined) {
      fn = (0, eval)('(' + source + ')');
      if (typeof fn !== 'function') throw new TypeError('offload() source did not evaluate to a function');
      compiled.set(source, fn);
    }
    const value = await fn(...args);
    parentPort.postMessage({ id, ok: true, value });
  } catch (error) {
    const plain = error instanceof Error ? { name: error.name, message: error.message, stack: error.stack } : { name: 'Error', message: String(error) };
    parentPort.postMessage({ id, ok: false, error: plain });
  }
});
`;
