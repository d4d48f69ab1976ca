import { Liquid } from 'liquidjs';
import { describe, expect, it } from 'vitest';
import { CacheError, cacheFragment, createCache, makeFragmentKey } from '../src/index.js';
import { registerCacheTag } from '../src/liquid.js';

describe('cacheFragment', () => {
  it('renders once per name and vary values, and the key can be deleted', async () => {
    const cache = createCache();
    let renders = 0;
    const render = async () => `<aside>${++renders}</aside>`;
    const results = await Promise.all([1, 2, 3].map(() => cacheFragment(cache, 'sidebar', [7], 60, render)));
    expect(results).toEqual(['<aside>1</aside>', '<aside>1</aside>', '<aside>1</aside>']);
    expect(await cacheFragment(cache, 'sidebar', [8], 60, render)).toBe('<aside>2</aside>');
    expect(makeFragmentKey('sidebar', [7])).toMatch(/^template\.cache\.sidebar\.[0-9a-f]{32}$/);
    await cache.delete(makeFragmentKey('sidebar', [7]));
    expect(await cacheFragment(cache, 'sidebar', [7], 60, render)).toBe('<aside>3</aside>');
  });

  it('never lets different vary values share a key', () => {
    const keys = [
      makeFragmentKey('f', ['a:b']),
      makeFragmentKey('f', ['a', 'b']),
      makeFragmentKey('f', [{ id: 1 }]),
      makeFragmentKey('f', [{ id: 2 }]),
      makeFragmentKey('f', ['[object Object]']),
      makeFragmentKey('f', [undefined]),
      makeFragmentKey('f', ['undefined']),
      makeFragmentKey('f', [null]),
      makeFragmentKey('f', [true]),
      makeFragmentKey('f', ['true']),
      makeFragmentKey('f', []),
      makeFragmentKey('f', ['']),
    ];
    expect(new Set(keys).size).toBe(keys.length);
    expect(makeFragmentKey('f', [7])).toBe(makeFragmentKey('f', ['7'])); // as Django's str()
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(() => makeFragmentKey('f', [circular])).toThrow(CacheError);
    expect(() => makeFragmentKey('', [])).toThrow(/Expected `name` to be a non-empty string/);
  });

  it('rejects a renderer that returns no string, and caches nothing', async () => {
    const cache = createCache();
    await expect(cacheFragment(cache, 'n', [], 60, (() => 42) as never)).rejects.toThrow(
      'Expected `render` to return a string, got `42` (number)',
    );
    expect(await cache.has(makeFragmentKey('n', []))).toBe(false);
    await expect(cacheFragment(cache, 'n', [], 60, 'x' as never)).rejects.toMatchObject({
      code: 'ERR_INVALID_ARGUMENT',
    });
  });
});

describe('{% cache %} for LiquidJS', () => {
  it('caches the block per ttl, name and vary values', async () => {
    const cache = createCache();
    const liquid = new Liquid();
    registerCacheTag(liquid, { cache });
    const template = 'A{% cache 300 "sidebar" user.id %}[{{ user.name }}]{% endcache %}Z';
    expect(await liquid.parseAndRender(template, { user: { id: 1, name: 'Ana' } })).toBe('A[Ana]Z');
    expect(await liquid.parseAndRender(template, { user: { id: 1, name: 'Changed' } })).toBe('A[Ana]Z');
    expect(await liquid.parseAndRender(template, { user: { id: 2, name: 'Bo' } })).toBe('A[Bo]Z');
    await cache.delete(makeFragmentKey('sidebar', [1]));
    expect(await liquid.parseAndRender(template, { user: { id: 1, name: 'Changed' } })).toBe('A[Changed]Z');
  });

  it('varies on whole objects by their content, never by "[object Object]"', async () => {
    const liquid = new Liquid();
    registerCacheTag(liquid, { cache: createCache() });
    const template = '{% cache 300 "card" user %}{{ user.name }}{% endcache %}';
    expect(await liquid.parseAndRender(template, { user: { name: 'Ana' } })).toBe('Ana');
    expect(await liquid.parseAndRender(template, { user: { name: 'Bo' } })).toBe('Bo');
  });

  it('reports bad usage clearly', async () => {
    const liquid = new Liquid();
    expect(() => registerCacheTag(liquid, { cache: {} as never })).toThrow(CacheError);
    registerCacheTag(liquid, { cache: createCache() });
    expect(() => liquid.parse('{% cache 300 %}x{% endcache %}')).toThrow(/needs a ttl and a fragment name/);
    expect(() => liquid.parse('{% cache 300 "a" %}x')).toThrow(/not closed/);
    await expect(liquid.parseAndRender('{% cache "soon" "a" %}x{% endcache %}')).rejects.toThrow(
      /ttl to be a non-negative number/,
    );
    await expect(liquid.parseAndRender('{% cache 60 sidebar %}x{% endcache %}')).rejects.toThrow(
      /fragment name to be a string \(quote it/,
    );
    expect(() => liquid.parseAndRenderSync('A{% cache 60 "s" %}B{% endcache %}C')).toThrow(
      /needs asynchronous rendering/,
    );
  });
});
