// Certificate lifetimes and thresholds in one place, imported by both issuing (compiler/pki) and the
// certificate lint (compiler/validate/checks/cert-*.ts) so they cannot drift apart. No imports: the
// lint must not pull in the certificate generator.

const DAY_MS = 86_400_000;

/** Roots live long and stay offline; rotating one is a planned event. */
export const ROOT_VALIDITY_MS = 10 * 365 * DAY_MS;
/** Intermediates sign every day, so they are rotated more often. */
export const INTERMEDIATE_VALIDITY_MS = 365 * DAY_MS;
/** Workload certificates are short-lived and renewed at half their life. */
export const DEFAULT_WORKLOAD_TTL_MS = 24 * 3_600_000;
/** Beyond this a leaked workload key stays useful too long (MC4004). */
export const MAX_RECOMMENDED_TTL_MS = 7 * DAY_MS;
/** A trust root this close to expiry needs a rotation now (MC4002). */
export const EXPIRY_WARNING_MS = 30 * DAY_MS;
/** Certificates start a minute in the past, so a peer whose clock lags a little still accepts them. */
export const BACKDATE_MS = 60_000;
