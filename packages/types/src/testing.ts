/**
 * `@adv/types/testing`: what the adv test suites (and a backend author running our contract
 * suites) need to start real servers. Node-only, so it is kept out of the main entry point.
 */
import { once } from 'node:events';
import { createServer } from 'node:net';

/**
 * Asks the OS for a free loopback TCP port. Nothing listens on it once this resolves, so start
 * the server on it at once (another process could take it in between, which the OS makes rare).
 *
 * @example
 * ```ts
 * const port = await freePort();
 * spawn('redis-server', ['--port', String(port), '--save', '']);
 * ```
 */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (address === null || typeof address === 'string') throw new Error('could not get a free port');
  return address.port;
}
