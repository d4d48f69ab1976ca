import { toExpress } from '@adv/async';
import { localeMiddleware } from '@adv/i18n';
import middie from '@fastify/middie';
import Fastify, { type FastifyInstance } from 'fastify';
import { i18n, t } from '../shared/i18n.js';

/**
 * Django's `LocaleMiddleware` in Fastify, through `@fastify/middie` and `toExpress`: URL prefix,
 * then the `lang` cookie, then `Accept-Language`; route handlers see the locale (`t()`
 * translates). Fastify has routed before middleware runs, so the prefixed path is a route too.
 */
export async function createApp(): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(middie);
  app.use(toExpress(localeMiddleware({ i18n })));
  const hello = async () => t('hello', { name: 'Ana' });
  app.get('/', hello);
  app.get('/:lang/', hello);
  return app;
}

// await (await createApp()).listen({ port: 3000 });
