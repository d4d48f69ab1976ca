import { toExpress, toNodeHandler } from '@adv/async';
import { localeMiddleware, setLanguage } from '@adv/i18n';
import middie from '@fastify/middie';
import Fastify, { type FastifyInstance } from 'fastify';
import { i18n, t } from '../shared/i18n.js';

/**
 * Django's `set_language` view in Fastify: `setLanguage` reads the form itself, so its route
 * leaves form bodies unparsed (a content-type parser scoped to that route's plugin) and hands
 * the raw request to the Fetch handler with `reply.hijack()` + `toNodeHandler`.
 */
export async function createApp(): Promise<FastifyInstance> {
  const app = Fastify();
  const setLang = toNodeHandler(setLanguage({ i18n }));
  await app.register(async (scope) => {
    scope.addContentTypeParser('application/x-www-form-urlencoded', (_request, _payload, done) => done(null));
    scope.post('/i18n/setlang', (request, reply) => {
      reply.hijack();
      setLang(request.raw, reply.raw);
    });
  });

  await app.register(middie);
  app.use(toExpress(localeMiddleware({ i18n })));
  const hello = async () => t('hello', { name: 'Ana' });
  app.get('/', hello);
  app.get('/:lang/', hello);
  return app;
}

// await (await createApp()).listen({ port: 3000 });
