import { compose, type Handler } from '@adv/types';
import type { Demo } from '../../apps/demo/src/app.js';

/** The layers of the demo's stack, outermost first, as named in `createDemo`. */
export const LAYERS = [
  'requestLogger',
  'metrics',
  'dependencyReadiness',
  'health',
  'securityMiddleware',
  'allowedMethods',
  'serveStatic',
  'serveMedia',
  'csrfMiddleware',
  'errorPages',
  'localeMiddleware',
] as const;

/** Twenty more articles (22 with the seeded two), the same in every variant. */
export async function seedArticles(demo: Pick<Demo, 'board'>): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await demo.board.articles.create({
      title: `Article ${i}`,
      body: 'Body',
      authorName: 'Bench',
      authorEmail: `b${i}@example.com`,
    });
  }
}

/**
 * The demo's handler with the named layers left out (matched by function name), so a variant
 * measures what one layer costs. Throws on a name the stack does not have: a typo must not
 * quietly measure the full stack twice.
 */
export function handlerWithout(demo: Demo, layers: readonly string[]): Handler {
  const names = new Set(demo.middleware.map((m) => m.name));
  const unknown = layers.filter((layer) => !names.has(layer));
  if (unknown.length > 0) {
    throw new Error(`bench/demo: no middleware named ${unknown.join(', ')} (the stack has ${[...names].join(', ')})`);
  }
  const skip = new Set(layers);
  return compose(...demo.middleware.filter((m) => !skip.has(m.name)))(demo.routes);
}
