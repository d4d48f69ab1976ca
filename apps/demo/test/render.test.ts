import { createCache } from '@adv/cache';
import type { Liquid } from 'liquidjs';
import { afterAll, describe, expect, it } from 'vitest';
import { withLocale } from '../src/i18n.js';
import { createEngine, renderPage, renderToString } from '../src/views/render.js';

const cache = createCache();
afterAll(() => cache.close());
const engine = createEngine({ staticUrl: (name) => `/static/${name}`, fragments: cache });

describe('renderPage / renderToString (plain functions over LiquidJS promise)', () => {
  it('renders a page with the locale globals, the content type and the init kept', async () => {
    const response = await withLocale({ locale: 'en', timeZone: 'UTC' }, () =>
      renderPage(
        engine,
        'error',
        { heading: 'Gone', message: 'Nothing here', path: '/x' },
        { status: 404, headers: { 'x-extra': '1' } },
      ),
    );
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('x-extra')).toBe('1');
    const html = await response.text();
    expect(html).toContain('<html lang="en">');
    expect(html).toContain('data-time-zone="UTC"');
    expect(html).toContain('Gone');
  });

  it('a missing template is a rejection, not a synchronous throw', async () => {
    const result = renderPage(engine, 'no-such-template', {});
    expect(result).toBeInstanceOf(Promise);
    await expect(result).rejects.toThrow(/no-such-template/);
  });

  it('an engine that throws synchronously still gives a rejected promise', async () => {
    const broken = {
      _renderFile() {
        throw new TypeError('broken engine');
      },
    } as unknown as Liquid;
    const page = renderPage(broken, 'error', {});
    expect(page).toBeInstanceOf(Promise);
    await expect(page).rejects.toThrow('broken engine');
    await expect(renderToString(broken, 'error', {})).rejects.toThrow('broken engine');
  });
});
