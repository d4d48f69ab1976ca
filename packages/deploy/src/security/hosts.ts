import { isAllowedHost, splitHost } from '../request-info.js';

/** Distinct Host values whose verdict one middleware remembers. */
export const HOST_MEMO_SIZE = 256;

/** An allowed Host split into its domain and port. */
export interface AllowedHost {
  readonly domain: string;
  readonly port: string;
}

/**
 * The Host check of one `securityMiddleware`, remembering its verdict on the values seen last
 * (a site answers to a few; past {@link HOST_MEMO_SIZE} distinct values, e.g. a scanner's, the
 * memo starts over): the split host when allowed, else `null`.
 */
export function hostVerdicts(allowed: readonly string[]): (host: string) => AllowedHost | null {
  const verdicts = new Map<string, AllowedHost | null>();
  return function allowedHost(value) {
    let verdict = verdicts.get(value);
    if (verdict === undefined) {
      const split = splitHost(value);
      verdict = split && isAllowedHost(split.domain, allowed) ? split : null;
      if (verdicts.size >= HOST_MEMO_SIZE) verdicts.clear();
      verdicts.set(value, verdict);
    }
    return verdict;
  };
}
