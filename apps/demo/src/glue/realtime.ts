/**
 * PHASE-1 GLUE until `@adv/async` lands: an in-memory channel layer (groups) and a WebSocket
 * endpoint on `ws`, shaped as the `GroupSender` contract. One process only.
 */
import type { IncomingMessage, Server } from 'node:http';
import type { Duplex } from 'node:stream';
import type { GroupSender, Logger } from '@adv/types';
import { type WebSocket, WebSocketServer } from 'ws';

/** What a consumer does with one connection. */
export interface ConsumerHooks {
  /** Groups to join when a socket connects to `path` (return null to refuse the path). */
  groupsFor(path: string): string[] | null;
  /** Handles a JSON message from the browser; may join more groups. */
  onMessage?(message: unknown, join: (group: string) => void, send: (message: unknown) => void): Promise<void> | void;
}

/** In-memory groups plus a `ws` server attached to an http server's upgrade event. */
export class GlueRealtime implements GroupSender {
  readonly backendInfo = { name: 'demo-glue:memory-channel-layer', sharedAcrossProcesses: false };
  readonly #groups = new Map<string, Set<WebSocket>>();
  readonly #wss = new WebSocketServer({ noServer: true });

  constructor(
    private readonly hooks: ConsumerHooks,
    private readonly logger: Logger,
  ) {}

  async groupSend(group: string, message: unknown): Promise<number> {
    const data = JSON.stringify(message);
    let sent = 0;
    for (const socket of this.#groups.get(group) ?? []) {
      if (socket.readyState === socket.OPEN) {
        socket.send(data);
        sent++;
      }
    }
    return sent;
  }

  #join(group: string, socket: WebSocket): void {
    const members = this.#groups.get(group) ?? new Set<WebSocket>();
    this.#groups.set(group, members);
    members.add(socket);
  }

  /** Handles WebSocket upgrades of `server`. */
  attach(server: Server): void {
    server.on('upgrade', (request: IncomingMessage, socket: Duplex, head: Buffer) => {
      const path = new URL(request.url ?? '/', 'http://localhost').pathname;
      const groups = this.hooks.groupsFor(path);
      if (!groups) {
        socket.end('HTTP/1.1 404 Not Found\r\n\r\n');
        return;
      }
      this.#wss.handleUpgrade(request, socket, head, (ws) => {
        for (const group of groups) this.#join(group, ws);
        const send = (message: unknown) => ws.send(JSON.stringify(message));
        ws.on('message', async (raw) => {
          try {
            await this.hooks.onMessage?.(JSON.parse(String(raw)), (group) => this.#join(group, ws), send);
          } catch (error) {
            this.logger.warn({ err: error }, 'bad websocket message');
          }
        });
        ws.on('close', () => {
          for (const members of this.#groups.values()) members.delete(ws);
        });
      });
    });
  }

  /** Closes every socket. */
  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    await new Promise<void>((resolve) => this.#wss.close(() => resolve()));
  }
}
