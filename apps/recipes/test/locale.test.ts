import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import * as expressRecipe from '../src/express/locale.js';
import * as fastifyRecipe from '../src/fastify/locale.js';
import * as honoRecipe from '../src/hono/locale.js';
import * as nodeRecipe from '../src/node/locale.js';
import { FRAMEWORKS, type Framework, type Running, start } from './servers.js';

const recipes: Record<Framework, () => unknown> = {
  express: expressRecipe.createApp,
  hono: honoRecipe.createApp,
  fastify: fastifyRecipe.createApp,
  node: nodeRecipe.createApp,
};

describe.each(FRAMEWORKS)('%s: localeMiddleware', (framework) => {
  let running: Running;
  beforeEach(async () => {
    running = await start(framework, await recipes[framework]());
  });
  afterEach(() => running.close());

  it('picks pt-BR from Accept-Language and says so in Content-Language and Vary', async () => {
    const response = await fetch(`${running.url}/`, { headers: { 'accept-language': 'pt-BR,pt;q=0.9,en;q=0.5' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('Olá, Ana!');
    expect(response.headers.get('content-language')).toBe('pt-BR');
    expect(response.headers.get('vary')?.toLowerCase()).toContain('accept-language');
  });

  it('picks pt-BR from the /pt-br/ URL prefix over Accept-Language', async () => {
    const response = await fetch(`${running.url}/pt-br/`, { headers: { 'accept-language': 'en' } });
    expect(response.status).toBe(200);
    expect(await response.text()).toBe('Olá, Ana!');
    expect(response.headers.get('content-language')).toBe('pt-BR');
  });

  it('picks pt-BR from the lang cookie, and English otherwise', async () => {
    const cookie = await fetch(`${running.url}/`, { headers: { cookie: 'lang=pt-BR', 'accept-language': 'en' } });
    expect(await cookie.text()).toBe('Olá, Ana!');
    const english = await fetch(`${running.url}/`, { headers: { 'accept-language': 'en-US,en;q=0.9' } });
    expect(await english.text()).toBe('Hello, Ana!');
    expect(english.headers.get('content-language')).toBe('en');
  });
});
