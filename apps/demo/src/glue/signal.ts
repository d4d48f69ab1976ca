/**
 * PHASE-1 GLUE until `@adv/signals` lands: the least of a Django signal (connect with a
 * dispatch uid, robust send). Shaped as the `SignalLike` contract.
 */
import type { SignalLike } from '@adv/types';

/** A typed signal whose receivers run in order; errors are collected, not thrown. */
export class GlueSignal<Args> implements SignalLike<Args> {
  readonly #receivers = new Map<unknown, (args: Args) => unknown>();

  connect(receiver: (args: Args) => unknown, options: { dispatchUid?: string } = {}): void {
    const uid = options.dispatchUid ?? receiver;
    if (!this.#receivers.has(uid)) this.#receivers.set(uid, receiver);
  }

  async sendRobust(args: Args): Promise<Array<{ result?: unknown; error?: unknown }>> {
    const results: Array<{ result?: unknown; error?: unknown }> = [];
    for (const receiver of this.#receivers.values()) {
      try {
        results.push({ result: await receiver(args) });
      } catch (error) {
        results.push({ error });
      }
    }
    return results;
  }
}
