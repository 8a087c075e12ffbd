// Every error the request path can raise, as typed classes with a stable `code`, and the ONE table
// that maps a code to the HTTP status and `x-meshc-error` reason the proxy answers with. The server
// edge (server/rescue.ts) is the only reader of the table; docs/proxy.md documents every code (a
// test checks) so operators can look up any `x-meshc-error` they see.

/** Status and meaning of each proxy-made response; the code is also the `x-meshc-error` value. */
export const PROXY_ERRORS = {
  'bad-request': {
    status: 400,
    summary: 'malformed request target, path or Host',
  },
  'authz-denied': {
    status: 403,
    summary: "the callee's authorization refused the caller",
  },
  'unknown-destination': {
    status: 404,
    summary: 'the Host is not a service this proxy calls',
  },
  'no-route': {
    status: 404,
    summary: 'no route of the destination matches the request',
  },
  'request-timeout': {
    status: 408,
    summary: 'the client sent its headers or body too slowly',
  },
  'expectation-failed': {
    status: 417,
    summary: 'an Expect other than 100-continue: the proxy cannot promise it for the upstream',
  },
  'header-too-large': {
    status: 431,
    summary: 'request headers larger than the limit',
  },
  'client-gone': {
    status: 499,
    summary: 'the client closed the connection first (logged, never sent)',
  },
  'internal-error': {
    status: 500,
    summary: 'a bug in the proxy (no stack trace is sent)',
  },
  // 503 as Envoy answers a reset before the head (UR, UC): a caller's retry on 503 (Istio's default)
  // then retries an app that crashed mid-request, across the mesh hop.
  'upstream-reset': {
    status: 503,
    summary: 'the upstream closed or reset the connection before a full response',
  },
  'upstream-protocol-error': {
    status: 502,
    summary: 'the upstream answered with a response head the strict parser refused',
  },
  'upstream-connect-failure': {
    status: 503,
    summary: 'could not connect or complete TLS with the upstream',
  },
  'upstream-identity-mismatch': {
    status: 503,
    summary: "the upstream's certificate names another SPIFFE id",
  },
  'no-healthy-upstream': {
    status: 503,
    summary: 'no endpoint left (all ejected or none resolved)',
  },
  'circuit-open': {
    status: 503,
    summary: 'the circuit breaker limit of the destination is reached',
  },
  'upstream-timeout': {
    status: 504,
    summary: 'the route timeout (or last per-try timeout) expired',
  },
  'fault-abort': {
    status: 503,
    summary: 'an injected fault aborted the request (status from the rule)',
  },
} as const satisfies Record<string, { status: number; summary: string }>;

export type ProxyErrorCode = keyof typeof PROXY_ERRORS;

/** Base of every request-path error. `rule` is the provenance (file:line) of the rule that decided. */
export abstract class ProxyError extends Error {
  abstract readonly code: ProxyErrorCode;
  constructor(
    message: string,
    readonly rule?: string,
  ) {
    super(message);
  }
  /** The status to answer with; only fault aborts override the table. */
  get status(): number {
    return PROXY_ERRORS[this.code].status;
  }
}

export class BadRequestError extends ProxyError {
  readonly code = 'bad-request';
}
export class AuthzDeniedError extends ProxyError {
  readonly code = 'authz-denied';
}
export class UnknownDestinationError extends ProxyError {
  readonly code = 'unknown-destination';
}
export class NoRouteError extends ProxyError {
  readonly code = 'no-route';
}
export class RequestTimeoutError extends ProxyError {
  readonly code = 'request-timeout';
}
export class ExpectationFailedError extends ProxyError {
  readonly code = 'expectation-failed';
}
export class HeaderTooLargeError extends ProxyError {
  readonly code = 'header-too-large';
}
export class ClientGoneError extends ProxyError {
  readonly code = 'client-gone';
}
export class InternalError extends ProxyError {
  readonly code = 'internal-error';
}
export class UpstreamResetError extends ProxyError {
  readonly code = 'upstream-reset';
}
export class UpstreamProtocolError extends ProxyError {
  readonly code = 'upstream-protocol-error';
}
export class UpstreamConnectError extends ProxyError {
  readonly code = 'upstream-connect-failure';
}
export class UpstreamIdentityError extends ProxyError {
  readonly code = 'upstream-identity-mismatch';
}
export class NoHealthyUpstreamError extends ProxyError {
  readonly code = 'no-healthy-upstream';
}
export class CircuitOpenError extends ProxyError {
  readonly code = 'circuit-open';
}

export class UpstreamTimeoutError extends ProxyError {
  readonly code = 'upstream-timeout';
  constructor(
    message: string,
    rule?: string,
    /** True for a per-try timeout (retryable), false for the whole-route timeout (final). */
    readonly perTry = false,
  ) {
    super(message, rule);
  }
}

export class FaultAbortError extends ProxyError {
  readonly code = 'fault-abort';
  constructor(
    private readonly abortStatus: number,
    rule: string,
  ) {
    super(`fault injection aborted the request with ${abortStatus}`, rule);
  }
  override get status(): number {
    return this.abortStatus;
  }
}

/** Any thrown value as a ProxyError: unknown errors become internal-error, keeping their message private. */
export function toProxyError(err: unknown): ProxyError {
  if (err instanceof ProxyError) return err;
  return new InternalError('internal proxy error');
}
