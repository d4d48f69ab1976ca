// biome-ignore-all lint/correctness/useYield: many LiquidJS generators finish without yielding; so do these
import { createCache } from '@adv/cache';
import { Liquid, toPromise } from 'liquidjs';
import { afterAll, describe, expect, it } from 'vitest';
import { type Locale, withLocale } from '../src/i18n.js';
import { drive } from '../src/views/drive.js';
import { createEngine, ParsedTemplates, pageScope, renderToString } from '../src/views/render.js';

const caches: ReturnType<typeof createCache>[] = [];
afterAll(() => Promise.all(caches.map((cache) => cache.close())));

/** A demo engine over its own memory cache (so each one starts with no `{% cache %}` fragment). */
function freshEngine(): Liquid {
  const cache = createCache();
  caches.push(cache);
  return createEngine({ staticUrl: (name) => `/static/${name}`, fragments: cache });
}

/** What `drive` and LiquidJS's `toPromise` make of the same generator (built twice: a generator runs once). */
async function both(make: () => unknown): Promise<[unknown, unknown]> {
  const settle = (value: unknown) =>
    Promise.resolve(value).then(
      (ok) => ({ ok }),
      (error: unknown) => ({ error: String(error) }),
    );
  let driven: unknown;
  try {
    driven = drive(make());
  } catch (error) {
    driven = Promise.reject(error);
  }
  return [await settle(driven), await settle(toPromise(make()))];
}

describe('drive: LiquidJS generators run as toPromise runs them', () => {
  it('returns plain values and nested generators synchronously', () => {
    function* leaf(n: number) {
      return n * 2;
    }
    function* root() {
      const a = (yield leaf(1)) as number;
      const b = (yield 5) as number;
      const c = (yield leaf(a + b)) as number;
      return `${a},${b},${c}`;
    }
    expect(drive(root())).toBe('2,5,14');
    expect(drive('not a generator')).toBe('not a generator');
  });

  it('awaits only yielded promises, and gives the same value as toPromise', async () => {
    function* leaf(n: number) {
      const v = (yield Promise.resolve(n)) as number;
      return v + 1;
    }
    function* root(): Generator<unknown, unknown[], unknown> {
      const a = (yield leaf(1)) as number;
      // biome-ignore lint/suspicious/noThenProperty: LiquidJS awaits any thenable, so the driver must too
      const b = (yield { then: (resolve: (v: number) => void) => resolve(10) }) as number;
      return [a, b, yield leaf(a + b)];
    }
    const driven = drive(root());
    expect(driven).toBeInstanceOf(Promise);
    const [ours, theirs] = await both(root);
    expect(ours).toEqual({ ok: [2, 10, 13] });
    expect(ours).toEqual(theirs);
  });

  it('throws a failure into the generator that yielded it, synchronous or not', async () => {
    function* failsNow(): Generator<unknown, never, unknown> {
      throw new Error('now');
    }
    function* failsLater() {
      yield Promise.reject(new Error('later'));
      return 'unreached';
    }
    function* root() {
      const caught: string[] = [];
      for (const child of [failsNow(), failsLater()]) {
        try {
          yield child;
        } catch (error) {
          caught.push((error as Error).message);
        }
      }
      try {
        yield Promise.reject(new Error('direct'));
      } catch (error) {
        caught.push((error as Error).message);
      }
      return caught;
    }
    const [ours, theirs] = await both(root);
    expect(ours).toEqual({ ok: ['now', 'later', 'direct'] });
    expect(ours).toEqual(theirs);
  });

  it('an uncaught failure reaches the caller: thrown when synchronous, a rejection after an await', async () => {
    function* inner(): Generator<unknown, never, unknown> {
      throw new TypeError('boom');
    }
    function* syncRoot() {
      yield inner();
    }
    expect(() => drive(syncRoot())).toThrow('boom');
    function* asyncRoot() {
      yield Promise.resolve(1);
      yield inner();
    }
    await expect(drive(asyncRoot())).rejects.toThrow('boom');
    const [ours, theirs] = await both(asyncRoot);
    expect(ours).toEqual(theirs);
  });

  it('resolves a returned generator or promise as toPromise does (a failed one is the value)', async () => {
    function* returnsGenerator() {
      return (function* () {
        return 'inner';
      })();
    }
    function* returnsPromise() {
      return Promise.resolve('later');
    }
    function* returnsRejection() {
      return Promise.reject(new Error('returned'));
    }
    for (const make of [returnsGenerator, returnsPromise, returnsRejection]) {
      const [ours, theirs] = await both(make);
      expect(ours).toEqual(theirs);
    }
    expect(drive(returnsGenerator())).toBe('inner');
  });

  it('drives any object with next, throw and return (not only generators); other objects are values', () => {
    const handMade = {
      step: 0,
      next(input: unknown) {
        this.step++;
        return this.step === 1 ? { done: false, value: 'asked' } : { done: true, value: `got ${String(input)}` };
      },
      throw(error: unknown): never {
        throw error;
      },
      return(value: unknown) {
        return { done: true, value };
      },
    };
    const bare = Object.create(null) as object;
    function* root(): Generator<unknown, unknown[], unknown> {
      return [yield handMade, yield bare, yield [1], yield null];
    }
    expect(drive(root())).toEqual(['got asked', bare, [1], null]);
  });

  it('a deep chain of generators does not grow the call stack', () => {
    function* nest(depth: number): Generator<unknown, number, unknown> {
      if (depth === 0) return 0;
      return ((yield nest(depth - 1)) as number) + 1;
    }
    expect(drive(nest(50_000))).toBe(50_000);
  });
});

describe('ParsedTemplates', () => {
  it('keeps the templates once their parse settles, and drops a failed parse when LiquidJS removes it', async () => {
    const cache = new ParsedTemplates();
    const parsed = Promise.resolve([]);
    cache.write('a', parsed);
    expect(cache.read('a')).toBe(parsed);
    await parsed;
    expect(cache.read('a')).toEqual([]);
    const failed = Promise.reject(new Error('parse'));
    cache.write('b', failed);
    await failed.catch(() => {});
    expect(cache.read('b')).toBe(failed);
    cache.remove('b');
    expect(cache.read('b')).toBeUndefined();
  });

  it('a page whose templates are parsed and whose fragments are cached renders without awaiting', async () => {
    const engine = freshEngine();
    const data = { path: '/', heading: 'Gone', message: 'Nothing here' };
    await withLocale({ locale: 'en', timeZone: 'UTC' }, () => renderToString(engine, 'error', data));
    const second = withLocale({ locale: 'en', timeZone: 'UTC' }, () =>
      drive(engine._renderFile('error', pageScope(data), { sync: false })),
    );
    expect(typeof second).toBe('string');
    expect(second).toContain('Nothing here');
  });
});

/** The pages the demo renders, with data as the routes pass it (timestamps as SQLite returns them). */
const article = {
  id: 7,
  title: 'Ship <it> & "tell"',
  body: 'First line\nsecond line',
  authorName: 'Ana',
  authorEmail: 'ana@example.com',
  createdAt: '2026-03-01T12:30:00.000Z',
  commentCount: 2,
  image: null,
  thumbnail: null,
};
const PAGES: [string, string, Record<string, unknown>][] = [
  [
    'articles',
    'articles',
    {
      path: '/',
      articles: [article, { ...article, id: 8, title: 'Second', commentCount: 0 }],
      sidebar: { articles: Promise.resolve([article]), renderedAt: '2026-03-02T08:00:00.000Z' },
    },
  ],
  [
    'no articles',
    'articles',
    { path: '/', articles: [], sidebar: { articles: [], renderedAt: '2026-03-02T08:00:00.000Z' } },
  ],
  [
    'article',
    'article',
    {
      path: '/articles/7',
      article,
      comments: [{ id: 1, articleId: 7, authorName: 'Bo', body: '<b>hi</b>', createdAt: '2026-03-01T13:00:00.000Z' }],
      views: 3,
      form: {},
      errors: [],
    },
  ],
  [
    'new article with errors',
    'new-article',
    { path: '/articles/new', form: { title: 'x' }, errors: [{ field: 'body', message: 'Required' }] },
  ],
  ['error', 'error', { path: '/x', heading: 'Not found', message: 'Nothing <here>' }],
];

describe('the demo pages: the driver renders the same bytes as LiquidJS renderFile', () => {
  const zones: [Locale, string][] = [
    ['en', 'UTC'],
    ['pt-BR', 'America/Sao_Paulo'],
    ['en', 'Asia/Kolkata'],
  ];
  for (const [locale, timeZone] of zones) {
    for (const [label, template, data] of PAGES) {
      it(`${label} in ${locale}, ${timeZone}: fragment missed then hit, in both orders`, async () => {
        const render = (engine: Liquid, how: 'liquidjs' | 'drive') =>
          withLocale({ locale, timeZone }, () =>
            how === 'drive' ? renderToString(engine, template, data) : engine.renderFile(template, pageScope(data)),
          );
        // Each engine has its own cache: the first render fills the {% cache %} fragment, the second reads it.
        const first = freshEngine();
        const liquidMiss = await render(first, 'liquidjs');
        const driveHit = await render(first, 'drive');
        const second = freshEngine();
        const driveMiss = await render(second, 'drive');
        const liquidHit = await render(second, 'liquidjs');
        expect(driveHit).toBe(liquidMiss);
        expect(driveMiss).toBe(liquidMiss);
        expect(liquidHit).toBe(liquidMiss);
        expect(liquidMiss).toContain(`lang="${locale}"`);
        expect(liquidMiss.length).toBeGreaterThan(500);
      });
    }
  }

  it('a failure while rendering (the sidebar query, a missing template) is the same error on both paths', async () => {
    const outcome = (promise: Promise<string>) =>
      promise.then(
        () => 'rendered',
        (error: unknown) => String(error),
      );
    const cases: [string, () => Record<string, unknown>][] = [
      [
        'articles',
        // A getter, as the route's: the query starts when the {% cache %} block misses.
        () => ({
          path: '/',
          articles: [],
          sidebar: {
            get articles() {
              return Promise.reject(new Error('db down'));
            },
            renderedAt: '',
          },
        }),
      ],
      ['no-such-template', () => ({ path: '/' })],
    ];
    for (const [template, data] of cases) {
      const liquid = await withLocale({ locale: 'en', timeZone: 'UTC' }, () =>
        outcome(freshEngine().renderFile(template, pageScope(data()))),
      );
      const ours = await withLocale({ locale: 'en', timeZone: 'UTC' }, () =>
        outcome(renderToString(freshEngine(), template, data())),
      );
      expect(ours).toBe(liquid);
      expect(ours).toMatch(template === 'articles' ? /db down/ : /no-such-template/);
    }
  });

  it('a Liquid engine of its own: parseAndRender and drive agree on an awaiting filter', async () => {
    const engine = new Liquid({ cache: new ParsedTemplates() });
    engine.registerFilter('later', (value: string) => Promise.resolve(`${value}!`));
    const source = '{% for x in list %}{{ x | later }}{% endfor %}';
    const expected = await engine.parseAndRender(source, { list: ['a', 'b'] });
    expect(await drive(engine._parseAndRender(source, { list: ['a', 'b'] }, { sync: false }))).toBe(expected);
    expect(expected).toBe('a!b!');
  });
});
