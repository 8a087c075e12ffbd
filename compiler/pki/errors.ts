// Every way a PKI operation can refuse its input, as one error class with a stable code, so the CLI
// prints one line (`error[PKI_KEY_MISMATCH]: ...`) and tests assert on the code, not on wording.

export type PkiErrorCode =
  /** A file is not PEM, or its PEM block does not decode to what was expected. */
  | 'PKI_BAD_PEM'
  /** A private key does not belong to the certificate it was given with. */
  | 'PKI_KEY_MISMATCH'
  /** A certificate does not chain to the CA it is supposed to come from. */
  | 'PKI_WRONG_CA'
  /** A CA or certificate belongs to a different SPIFFE trust domain than the spec. */
  | 'PKI_TRUST_DOMAIN_MISMATCH'
  /** A certificate used as a CA is not a CA certificate. */
  | 'PKI_NOT_A_CA'
  /** The CA is expired, not yet valid, or would expire before the certificate it should sign. */
  | 'PKI_CA_VALIDITY'
  /** A certificate names another workload than the file it is stored in. */
  | 'PKI_WRONG_IDENTITY'
  /** An output file exists and --force was not given. */
  | 'PKI_FILE_EXISTS'
  /** A file the operation needs is missing. */
  | 'PKI_FILE_MISSING'
  /** A file or directory cannot be read or written: permission denied, a directory, a FIFO or a symlink. */
  | 'PKI_FILE_UNUSABLE'
  /** Another meshc command is writing the same output directory. */
  | 'PKI_LOCKED'
  /** The service is not declared in the spec. */
  | 'PKI_UNKNOWN_SERVICE'
  /** A key type, duration, trust domain or service name given by the user is not valid. */
  | 'PKI_BAD_ARGUMENT'
  /** The spec could not be read well enough to find the trust domain and services. */
  | 'PKI_BAD_SPEC';

/** A refused PKI operation; `message` is one line meant for the user, `hint` says what to do. */
export class PkiError extends Error {
  override readonly name = 'PkiError';
  constructor(
    readonly code: PkiErrorCode,
    message: string,
    readonly hint?: string,
  ) {
    super(message);
  }
}

export function isPkiError(err: unknown): err is PkiError {
  return err instanceof PkiError;
}
