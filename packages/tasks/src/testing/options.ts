/** Options of {@link backendContract}, validated once when the suite is registered. */
import type { OptionKeys } from '@adv/types';
import { TaskError } from '../errors.js';
import { readOptions } from '../validate.js';

/** What the suite needs to know of the backend under test. */
export interface BackendContractOptions {
  /** Shown in the suite's title, `task backend contract: <name>`. @defaultValue `'backend'` */
  name?: string | undefined;
  /**
   * The exact `backendInfo.name` the backend reports (for example `'@acme/tasks:dynamo'`). When
   * absent, the suite only checks that it is a non-empty string.
   */
  backendName?: string | undefined;
  /** Per-test timeout in ms, passed to your runner's `it`. @defaultValue `30_000` */
  timeout?: number | undefined;
}

const KEYS: OptionKeys<BackendContractOptions> = { name: true, backendName: true, timeout: true };
const DEFAULTS = { name: 'backend', timeout: 30_000 } as const;

/** {@link BackendContractOptions} with the defaults applied. */
export interface ResolvedContractOptions {
  name: string;
  backendName?: string | undefined;
  timeout: number;
}

const describeValue = (value: unknown) => `\`${String(value)}\` (${typeof value})`;

export function resolveContractOptions(options: BackendContractOptions | undefined): ResolvedContractOptions {
  const o = readOptions('backendContract', options, KEYS, DEFAULTS);
  if (typeof o.name !== 'string' || o.name === '') {
    throw new TaskError(
      'ERR_INVALID_OPTION',
      `Expected \`name\` to be a non-empty string, got ${describeValue(o.name)}`,
    );
  }
  if (o.backendName !== undefined && (typeof o.backendName !== 'string' || o.backendName === '')) {
    throw new TaskError(
      'ERR_INVALID_OPTION',
      `Expected \`backendName\` to be a non-empty string, got ${describeValue(o.backendName)}`,
    );
  }
  if (!Number.isInteger(o.timeout) || o.timeout < 1) {
    throw new TaskError(
      'ERR_INVALID_OPTION',
      `Expected \`timeout\` to be an integer from 1 and up, got ${describeValue(o.timeout)}`,
    );
  }
  return o;
}
