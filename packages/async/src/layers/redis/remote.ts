import { AsyncError } from '../../errors.js';
import type { LocalChannels } from '../local-channels.js';
import { token } from '../names.js';
import type { Names, RedisConnections } from './connections.js';

/** Pauses between asking again when no process listens on an owner's topic (it may be starting). */
const PROCESS_RETRY_PAUSES = [25, 50, 100, 200, 400];
/** How long `groupAdd` of another process's channel waits for that process to confirm. */
const REMOTE_JOIN_TIMEOUT = 10_000;

/** Membership changes of a channel owned by another process, sent on that process's topic. */
export type RemoteControl =
  | { op: 'join'; group: string; channel: string; reply: string; id: string }
  | { op: 'leave'; group: string; channel: string }
  | { op: 'ack'; id: string };

/** What remote joins need of the layer. */
export interface RemoteContext {
  redis: RedisConnections;
  names: Names;
  local: LocalChannels;
  processId: string;
  joinLocally(group: string, channel: string, deadline: number): Promise<void>;
  leaveLocally(group: string, channel: string): Promise<void>;
  onError(error: Error): void;
}

/**
 * `groupAdd` of a channel another process owns: that process is told over its own topic, joins
 * locally (and subscribes), and acknowledges before `groupAdd` resolves. This side asks; the
 * `onControl` side answers for this process's channels.
 */
export class RemoteJoins {
  readonly #pending = new Map<string, { resolve(): void; reject(error: AsyncError): void }>();
  readonly #c: RemoteContext;

  constructor(context: RemoteContext) {
    this.#c = context;
    // An acknowledgement cannot arrive without the subscriber connection: fail at once.
    context.redis.sub.client.on('close', () =>
      this.failAll(
        new AsyncError('ERR_BACKEND', 'groupAdd(): the connection to Redis closed before the owner confirmed'),
      ),
    );
  }

  /** Rejects every join still waiting for its owner. */
  failAll(error: AsyncError): void {
    for (const join of [...this.#pending.values()]) join.reject(error);
  }

  /** Handles a join/leave asked by another process, or the acknowledgement of one this process asked. */
  onControl(control: RemoteControl): void {
    if (control.op === 'ack') {
      this.#pending.get(control.id)?.resolve();
      return;
    }
    const { redis, names, local } = this.#c;
    if (local.closed) return;
    const { pub } = redis;
    const deadline = redis.deadline();
    let done: Promise<unknown>;
    if (control.op === 'leave') done = this.#c.leaveLocally(control.group, control.channel);
    // A channel of this process that is already closed is no member to keep.
    else if (local.has(control.channel)) done = this.#c.joinLocally(control.group, control.channel, deadline);
    else
      done = pub.call(
        'drop a closed member',
        () => pub.client.zrem(names.membersKey(control.group), control.channel),
        deadline,
      );
    done
      .then(() =>
        control.op === 'join'
          ? pub.call(
              'confirm a join',
              () =>
                pub.client.publish(names.processTopic(control.reply), JSON.stringify({ op: 'ack', id: control.id })),
              deadline,
            )
          : undefined,
      )
      .catch(this.#c.onError);
  }

  /** Asks `owner` to join `channel` to `group`; resolves once it confirmed. */
  async add(group: string, channel: string, owner: string, deadline: number): Promise<void> {
    const { redis, names, processId } = this.#c;
    await redis.ensureSubscribed(names.processTopic(processId), deadline); // where the acknowledgement arrives
    const id = token();
    let timer: NodeJS.Timeout | undefined;
    const acked = new Promise<void>((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
    });
    acked.catch(() => {});
    try {
      const control: RemoteControl = { op: 'join', group, channel, reply: processId, id };
      const receivers = await this.#publishToProcess(owner, JSON.stringify(control), deadline);
      if (receivers === 0) {
        // No such process (it exited): no member to keep.
        await redis.pub.call(
          'drop a gone member',
          () => redis.pub.client.zrem(names.membersKey(group), channel),
          deadline,
        );
        return;
      }
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(
          () =>
            reject(
              new AsyncError(
                'ERR_TIMEOUT',
                `groupAdd(): the process owning \`${channel}\` did not confirm joining \`${group}\` within ${REMOTE_JOIN_TIMEOUT} ms`,
              ),
            ),
          REMOTE_JOIN_TIMEOUT,
        );
      });
      await Promise.race([acked, timeout]);
    } finally {
      clearTimeout(timer);
      this.#pending.delete(id);
    }
  }

  /**
   * Publishes to another process's topic and returns how many subscribers got it. Nobody may
   * mean the process exited, or that it started a moment ago and its subscription is still on
   * its way: ask again a few times (about 0.75 s in all, within `deadline`) before concluding it is gone.
   */
  async #publishToProcess(owner: string, text: string, deadline: number): Promise<number> {
    const { pub } = this.#c.redis;
    const topic = this.#c.names.processTopic(owner);
    const publish = () => pub.call(`send to process \`${owner}\``, () => pub.client.publish(topic, text), deadline);
    for (const pause of PROCESS_RETRY_PAUSES) {
      const receivers = await publish();
      if (receivers > 0 || this.#c.local.closed || Date.now() + pause >= deadline) return receivers;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
    return publish();
  }
}
