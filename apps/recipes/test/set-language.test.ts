import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as expressRecipe from '../src/express/set-language.js';
import * as fastifyRecipe from '../src/fastify/set-language.js';
import * as honoRecipe from '../src/hono/set-language.js';
import * as nodeRecipe from '../src/node/set-language.js';
import { FRAMEWORKS, type Framework, type Running, start } from './servers.js';

const recipes: Record<Framework, () => unknown> = {
  express: expressRecipe.createApp,
  hono: honoRecipe.createApp,
  fastify: fastifyRecipe.createApp,
  node: nodeRecipe.createApp,
};

describe.each(FRAMEWORKS)('%s: setLanguage', (framework) => {
  let running: Running;
  beforeEach(async () => {
    running = await start(framework, await recipes[framework]());
  });
  afterEach(() => running.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${running.url}/i18n/setlang`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'text/html', ...headers },
      body,
    });

  it('sets the lang cookie and redirects to next; the next page is in that language', async () => {
    const response = await post('language=pt-BR&next=%2F');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/');
    const cookie = response.headers.get('set-cookie') ?? '';
    expect(cookie).toMatch(/^lang=pt-BR;/);
    expect(cookie).toContain('SameSite=Lax');

    const page = await fetch(`${running.url}/`, {
      headers: { cookie: cookie.split(';')[0] ?? '', 'accept-language': 'en' },
    });
    expect(await page.text()).toBe('Olá, Ana!');
  });

  it('rewrites the locale prefix of next and refuses an off-site next', async () => {
    const prefixed = await post('language=pt-BR&next=%2Fen%2F');
    expect(prefixed.status).toBe(302);
    expect(prefixed.headers.get('location')).toBe('/pt-br/');

    const offSite = await post('language=pt-BR&next=https%3A%2F%2Fevil.example%2F');
    expect(offSite.status).toBe(302);
    expect(offSite.headers.get('location')).toBe('/');
  });

  it('answers 415 to a body that is not a form', async () => {
    const response = await post(JSON.stringify({ language: 'pt-BR' }), { 'content-type': 'application/json' });
    expect(response.status).toBe(415);
    expect(response.headers.get('set-cookie')).toBeNull();
  });
});
