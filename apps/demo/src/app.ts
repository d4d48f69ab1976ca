import { compose, type Handler, type Middleware } from '@adv/types';

const poweredBy: Middleware = async (request, next) => {
  const response = await next(request);
  response.headers.set('x-powered-by', 'adv');
  return response;
};

const home: Handler = () =>
  new Response(
    '<!doctype html><title>adv demo</title><h1>adv demo</h1><p>The community board is being built; the packages are wired in as they land.</p>',
    { headers: { 'content-type': 'text/html; charset=utf-8' } },
  );

/** The demo application as a Fetch handler. */
export const app = compose(poweredBy)(home);
