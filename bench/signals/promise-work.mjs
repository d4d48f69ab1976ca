// Child process of the "promise-heavy work after one atomic()" row (see after-atomic.ts): an
// AsyncLocalStorage, once enabled, stays in every later promise's hooks for the life of the
// process, so each measurement needs a fresh process.
//
//   node promise-work.mjs <none|after> [module]  ->  prints { nsPerPromise }
//
// `none`: no transaction ever ran; `after`: one `atomic()` ran (and committed) first. A
// request-context AsyncLocalStorage is enabled in both, as in a server (so the async hooks are
// on either way and the difference is the transaction context's own propagation). `module`
// is what to import `atomic` from (default `@adv/signals`), for A/B runs against another build.
import { AsyncLocalStorage } from 'node:async_hooks';

const [mode = 'after', from = '@adv/signals'] = process.argv.slice(2);
const { atomic, onCommit } = await import(from);

const requestContext = new AsyncLocalStorage();
if (mode === 'after') await atomic(async () => onCommit(() => {}));

/** A request-shaped chain of awaits: a few async layers, each awaiting the next. */
async function layer(depth) {
  if (depth === 0) return 1;
  const value = await layer(depth - 1);
  await null;
  return value + 1;
}

async function work(iterations) {
  let sum = 0;
  for (let index = 0; index < iterations; index++) sum += await requestContext.run({ index }, () => layer(8));
  return sum;
}

await work(20_000); // warm-up
const iterations = 100_000;
const before = process.cpuUsage();
await work(iterations);
const used = process.cpuUsage(before);
// 8 layers x (the async function's promise + 2 awaits) + run's own: about 25 promises per iteration.
const micros = used.user + used.system;
process.stdout.write(JSON.stringify({ nsPerIteration: (micros * 1000) / iterations }));
