import type { Demo } from '../../apps/demo/src/app.js';

/** The layers of the demo's stack, outermost first, as named in `createDemo`. */
export const LAYERS = [
  'requestLogger',
  'metrics',
  'health',
  'securityMiddleware',
  'serveStatic',
  'csrfMiddleware',
  'errorPages',
  'localeMiddleware',
] as const;

/** Twenty more articles (22 with the seeded two), the same in every variant. */
export async function seedArticles(demo: Demo): Promise<void> {
  for (let i = 0; i < 20; i++) {
    await demo.board.articles.create({
      title: `Article ${i}`,
      body: 'Body',
      authorName: 'Bench',
      authorEmail: `b${i}@example.com`,
    });
  }
}
