import { randomBytes } from 'node:crypto';
import { invalidOption } from '../validate.js';

const VALID_NAME = /^[A-Za-z0-9_.\-!]{1,100}$/;

/** Validates a group or channel name: ASCII letters, digits, `_ . - !`, at most 100 (as Channels). */
export function checkName(kind: 'group' | 'channel', name: unknown): asserts name is string {
  if (typeof name !== 'string' || !VALID_NAME.test(name)) {
    throw invalidOption(kind, 'a string of 1-100 ASCII letters, digits, `_`, `.`, `-` or `!`', name);
  }
}

/** Random token for process and channel names. */
export function token(bytes = 9): string {
  return randomBytes(bytes).toString('base64url').replace(/[-_]/g, 'x');
}

/** Channel names look like `<process>.<prefix>!<token>`: the part before the first dot says which process owns it. */
export function channelName(processId: string, prefix: string): string {
  return `${processId}.${prefix}!${token()}`;
}

/** Returns the owning process id of a channel name. */
export function processOf(channel: string): string {
  const dot = channel.indexOf('.');
  return dot < 0 ? '' : channel.slice(0, dot);
}
