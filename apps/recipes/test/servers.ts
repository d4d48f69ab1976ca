import { once } from 'node:events';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import type { Express } from 'express';
import type { FastifyInstance } from 'fastify';
import type { Hono } from 'hono';

/** A recipe's server, listening on an ephemeral loopback port. */
export interface Running {
  url: string;
  close(): Promise<void>;
}

export type Framework = 'express' | 'hono' | 'fastify' | 'node';
export const FRAMEWORKS: Framework[] = ['express', 'hono', 'fastify', 'node'];

async function closeNode(server: Server): Promise<void> {
  const closed = new Promise<void>((resolve, reject) => server.close((error) => (error ? reject(error) : resolve())));
  server.closeAllConnections();
  await closed;
}

async function listenNode(server: Server): Promise<Running> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, close: () => closeNode(server) };
}

/** Starts what a recipe's `createApp` returned, the way that framework is started. */
export async function start(framework: Framework, app: unknown): Promise<Running> {
  switch (framework) {
    case 'express':
      return listenNode(createServer(app as Express));
    case 'node':
      return listenNode(app as Server);
    case 'fastify': {
      const fastify = app as FastifyInstance;
      const url = await fastify.listen({ port: 0, host: '127.0.0.1' });
      return { url, close: () => fastify.close() };
    }
    case 'hono': {
      const hono = app as Hono;
      let server!: ServerType;
      await new Promise<void>((resolve) => {
        server = serve({ fetch: hono.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
      });
      const { port } = server.address() as AddressInfo;
      return { url: `http://127.0.0.1:${port}`, close: () => closeNode(server as Server) };
    }
  }
}

/**
 * A GET with a Host header of our choosing (fetch does not let a caller set Host), bounded by
 * `timeoutMs`.
 */
export function getWithHost(
  url: string,
  host: string,
  timeoutMs = 10_000,
): Promise<{ status: number; headers: Record<string, string | string[] | undefined>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { headers: { host }, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        body += chunk;
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}
