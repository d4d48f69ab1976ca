import { AdvError } from '@adv/types';

/** What went wrong, for callers that branch on it. */
export type CreateAdvErrorCode =
  | 'ERR_INVALID_NAME'
  | 'ERR_TARGET_NOT_EMPTY'
  | 'ERR_INVALID_ARGUMENT'
  | 'ERR_INVALID_OPTION'
  | 'ERR_TEMPLATE_MISSING'
  | 'ERR_ADV_SOURCE'
  | 'ERR_GIT_FAILED'
  | 'ERR_INSTALL_FAILED'
  | 'ERR_CANCELLED';

/**
 * Every error create-adv throws on purpose: a literal `name`, a `code` to branch on, and the
 * underlying error as `cause` (a failed `npm install` keeps its output there).
 *
 * @example
 * ```ts
 * try { await createApp({ directory: 'my-app' }); }
 * catch (error) { if (error instanceof CreateAdvError && error.code === 'ERR_TARGET_NOT_EMPTY') … }
 * ```
 */
export class CreateAdvError extends AdvError<CreateAdvErrorCode> {
  override readonly name = 'CreateAdvError';
}
