import type { LocalChannels } from '../local-channels.js';
import { RedisLink } from './link.js';
import type { RedisClass, RedisClient } from './load-ioredis.js';

/** Most group removals remembered during an outage (to apply when Redis returns); older ones expire with `groupExpiry`. */
const MAX_PENDING_REMOVALS = 10_000;

/** Key and topic names of one layer prefix. */
export interface Names {
  groupTopic(group: string): string;
  processTopic(id: string): string;
  membersKey(group: string): string;
}

/**
 * The Redis side of the layer: a command connection and a subscriber connection, the topics
 * this process wants (restored by us on every reconnection, since a restarted Redis forgets
 * them), and this process's memberships, written again when Redis returns (a restarted Redis
 * lost them) together with the removals that could not reach it during the outage.
 */
export class RedisConnections {
  readonly pub: RedisLink;
  readonly sub: RedisLink;
  readonly #local: LocalChannels;
  readonly #names: Names;
  readonly #bound: number;
  readonly #onError: (error: Error) => void;
  /** Topics this process wants to receive. */
  readonly #topics = new Set<string>();
  /** Topics subscribed on the subscriber's current connection. */
  readonly #active = new Set<string>();
  readonly #subscribing = new Map<string, Promise<void>>();
  /** group -> channels whose removal from Redis failed during an outage. */
  #removals = new Map<string, Set<string>>();
  #removalCount = 0;

  constructor(
    Redis: RedisClass,
    url: string,
    connection: Record<string, unknown>,
    context: { local: LocalChannels; names: Names; bound: number; ownTopic: string; onError: (error: Error) => void },
  ) {
    // No offline queue and no resending: a command is sent only while connected, and one caught
    // as Redis went away is not replayed after the caller was told ERR_BACKEND. We restore
    // subscriptions ourselves (`autoResubscribe` would not know the ones asked during an outage).
    const options = {
      ...connection,
      lazyConnect: false,
      enableOfflineQueue: false,
      autoResendUnfulfilledCommands: false,
      autoResubscribe: false,
    };
    this.pub = new RedisLink(new Redis(url, options) as RedisClient);
    this.sub = new RedisLink(new Redis(url, options) as RedisClient);
    this.#local = context.local;
    this.#names = context.names;
    this.#bound = context.bound;
    this.#onError = context.onError;
    this.#topics.add(context.ownTopic);
    this.pub.client.on('error', this.#onError);
    this.sub.client.on('error', this.#onError);
    this.sub.client.on('close', () => this.#active.clear());
    this.sub.client.on('ready', () => void this.#resubscribe());
    this.pub.client.on('ready', () => void this.#reconcile());
  }

  /** A deadline `unavailableTimeout` from now. */
  deadline(): number {
    return Date.now() + this.#bound;
  }

  /** Subscribes to `topic` (once, however many callers ask), within `deadline`. */
  ensureSubscribed(topic: string, deadline: number): Promise<void> {
    this.#topics.add(topic);
    if (this.#active.has(topic)) return Promise.resolve();
    let subscribing = this.#subscribing.get(topic);
    if (subscribing === undefined) {
      subscribing = this.sub
        .call(`subscribe to \`${topic}\``, () => this.sub.client.subscribe(topic), deadline)
        .then(() => {
          if (this.#topics.has(topic)) this.#active.add(topic);
        })
        .finally(() => this.#subscribing.delete(topic));
      this.#subscribing.set(topic, subscribing);
    }
    return subscribing;
  }

  /** Stops receiving `topic`; failures only leave a harmless extra subscription, so they are reported, not thrown. */
  async unsubscribe(topic: string): Promise<void> {
    if (!this.#topics.delete(topic)) return;
    this.#active.delete(topic);
    if (!this.sub.ready) return; // not restored on reconnection
    await this.sub
      .call(`unsubscribe from \`${topic}\``, () => this.sub.client.unsubscribe(topic), this.deadline())
      .catch(this.#onError);
  }

  /** Removes a member from Redis now, or when Redis returns if it cannot be reached. */
  forget(group: string, channel: string): void {
    if (!this.pub.ready) {
      this.noteRemoval(group, channel);
      return;
    }
    this.pub
      .call(
        `remove \`${channel}\` from group \`${group}\``,
        () => this.pub.client.zrem(this.#names.membersKey(group), channel),
        this.deadline(),
      )
      .catch(() => this.noteRemoval(group, channel));
  }

  /** Remembers a removal to apply once Redis is back (bounded; the rest expire with `groupExpiry`). */
  noteRemoval(group: string, channel: string): void {
    if (this.#removalCount >= MAX_PENDING_REMOVALS) return;
    let channels = this.#removals.get(group);
    if (channels === undefined) {
      channels = new Set();
      this.#removals.set(group, channels);
    }
    if (!channels.has(channel)) {
      channels.add(channel);
      this.#removalCount += 1;
    }
  }

  /** On every subscriber (re)connection: subscribes again to every wanted topic. */
  async #resubscribe(): Promise<void> {
    const wanted = [...this.#topics];
    if (wanted.length === 0) return;
    try {
      await this.sub.call('restore subscriptions', () => this.sub.client.subscribe(...wanted), this.deadline());
      for (const topic of wanted) if (this.#topics.has(topic)) this.#active.add(topic);
    } catch (error) {
      if (!this.#local.closed) this.#onError(error as Error);
    }
  }

  /**
   * On every command (re)connection: writes this process's memberships again (a restarted Redis
   * lost them; a live one just renews them) and applies the removals the outage held back.
   */
  async #reconcile(): Promise<void> {
    const removals = this.#removals;
    this.#removals = new Map();
    this.#removalCount = 0;
    const now = Date.now();
    const expiryMs = this.#local.options.groupExpiry * 1000;
    const batch = this.pub.client.multi();
    let commands = 0;
    for (const [group, channels] of removals) {
      batch.zrem(this.#names.membersKey(group), ...channels);
      commands += 1;
    }
    for (const [group, members] of this.#local.groups) {
      const key = this.#names.membersKey(group);
      for (const [channel, expiresAt] of members) {
        if (expiresAt <= now) continue;
        batch.zadd(key, expiresAt, channel);
        commands += 1;
      }
      batch.pexpire(key, expiryMs);
    }
    if (commands === 0) return; // never sent: a MULTI is only written by exec()
    try {
      await this.pub.call('restore group memberships', () => execOrThrow(batch), this.deadline());
    } catch (error) {
      for (const [group, channels] of removals) for (const channel of channels) this.noteRemoval(group, channel);
      if (!this.#local.closed) this.#onError(error as Error);
    }
  }

  /**
   * Fails pending calls with `ERR_CLOSED`, then asks Redis to close each connection (QUIT) when
   * it is connected, within the bound, and drops it in any case: no socket or reconnection
   * timer is left to keep the process alive.
   */
  async close(): Promise<void> {
    this.#topics.clear();
    this.#active.clear();
    this.pub.close();
    this.sub.close();
    await Promise.all([quitWithin(this.pub.client, this.#bound), quitWithin(this.sub.client, this.#bound)]);
  }
}

/** Runs a MULTI and throws the first command error it holds. */
export async function execOrThrow(batch: ReturnType<RedisClient['multi']>): Promise<unknown[]> {
  const results = (await batch.exec()) ?? [];
  const failed = results.find(([error]) => error);
  if (failed) throw failed[0];
  return results.map(([, value]) => value);
}

async function quitWithin(client: RedisClient, bound: number): Promise<void> {
  if (client.status === 'ready') {
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      client.quit().catch(() => {}),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, bound);
      }),
    ]);
    clearTimeout(timer);
  }
  client.disconnect();
}
