// Why a rollout or rollback was refused, with stable codes (docs/rollout.md). Every refusal happens
// before the first write, so the store is untouched; the CLI prints code, message and hint, exit 2.

export type RolloutErrorCode =
  | 'ROLLOUT_STORE_NOT_FOUND'
  | 'ROLLOUT_UNKNOWN_SERVICE'
  | 'ROLLOUT_UNKNOWN_VERSION'
  | 'ROLLOUT_VERSION_INVALID'
  | 'ROLLOUT_BAD_PERCENT'
  | 'ROLLOUT_SAME_VERSION'
  | 'ROLLOUT_NOT_ROLLING_OUT'
  | 'ROLLOUT_KEY_MISMATCH'
  | 'ROLLOUT_MANIFEST_INVALID'
  | 'ROLLOUT_WRITE_FAILED'
  | 'ROLLOUT_STORE_LOCKED';

export class RolloutError extends Error {
  override readonly name = 'RolloutError';
  constructor(
    readonly code: RolloutErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}
