import { createServer } from 'node:http';
import { app } from './app.js';

const port = Number(process.env.PORT ?? 3000);
const host = process.env.HOST ?? '127.0.0.1';

const server = createServer(async (req, res) => {
  const url = new URL(req.url ?? '/', `http://${req.headers.host ?? `${host}:${port}`}`);
  const response = await app(new Request(url, { method: req.method }));
  res.writeHead(response.status, Object.fromEntries(response.headers));
  res.end(Buffer.from(await response.arrayBuffer()));
});
server.listen(port, host, () => console.log(`adv demo listening on http://${host}:${port}/`));
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.once(signal, () => server.close());
