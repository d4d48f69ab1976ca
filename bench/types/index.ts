import { compose, type Middleware } from '@adv/types';
import { measureOps } from '../lib/ops.js';
import type { BenchRow } from '../lib/report.js';

/** compose() of five pass-through middleware vs the same five nested by hand. */
export async function run({ quick }: { quick: boolean }): Promise<BenchRow[]> {
  const pass: Middleware = (request, next) => next(request);
  const handler = () => new Response(null);
  const composed = compose(pass, pass, pass, pass, pass)(handler);
  const byHand = (request: Request) =>
    pass(request, (r1) => pass(r1, (r2) => pass(r2, (r3) => pass(r3, (r4) => pass(r4, async (r5) => handler(r5))))));
  const request = new Request('http://localhost/');
  const ops = await measureOps({ composed: () => composed(request), byHand: () => byHand(request) }, { quick });
  return [
    {
      suite: 'types',
      case: 'compose: 5 middleware + handler',
      unit: 'ops/s',
      higherIsBetter: true,
      ours: { name: 'compose()', value: ops.composed ?? Number.NaN },
      peer: { name: 'hand-nested closures', value: ops.byHand ?? Number.NaN },
    },
  ];
}
