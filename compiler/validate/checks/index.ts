// The registry of semantic checks: those of one document's own values, run beside the schema, then,
// after it, those over the whole spec and those of one service at a time. Adding a check is one file
// exporting a check plus one line here; each check reports through `ctx.add`.
import { checkAuthzPrefixBoundary } from './authz-prefix-boundary.js';
import type { Check, DocumentCheck, ServiceCheck } from '../check-context.js';
import { checkBackendVersions } from './backend-versions.js';
import { checkBackendWeights } from './backend-weights.js';
import { checkCallerAdmitted } from './caller-admitted.js';
import { checkCertificates } from './cert-lint.js';
import { checkDuplicateEndpoints } from './duplicate-endpoints.js';
import { checkDuplicateRoutes } from './duplicate-routes.js';
import { checkDuplicateServices } from './duplicate-services.js';
import { checkHeaderMutations } from './header-mutations.js';
import { checkHeaderNameCase } from './header-name-case.js';
import { checkMeshCount } from './mesh-count.js';
import { checkMirrorVersion } from './mirror-version.js';
import { checkMtlsMode } from './mtls-mode.js';
import { checkNormalPaths } from './normal-paths.js';
import { checkMeshRetryTimeout, checkRetryTimeout } from './retry-timeout.js';
import { checkDurationBounds } from './duration-bounds.js';
import { checkOtlpEndpoint } from './otlp-endpoint.js';
import { checkRingHash } from './ring-hash.js';
import { checkRouteBackendsRequired } from './route-backends-required.js';
import { checkSafeRegex } from './safe-regex.js';
import { checkSelfCalls } from './self-calls.js';
import { checkIpv6Endpoints } from './ipv6-endpoints.js';
import { checkShadowedRoutes } from './shadowed-routes.js';
import { checkSidecarPorts } from './sidecar-ports.js';
import { checkTcpHttpOnly } from './tcp-http-only.js';
import { checkTrustRoots } from './trust-roots.js';
import { checkUnknownAuthzCallers } from './unknown-authz-callers.js';
import { checkUnknownCalls } from './unknown-calls.js';
import { checkUnreachableAuthz } from './unreachable-authz.js';

export type {
  Check,
  CheckContext,
  DocumentCheck,
  DocumentCheckContext,
  ServiceCheck,
  ServiceCheckContext,
} from '../check-context.js';

/**
 * Checks of values the schema cannot bound, each read on its own (a duration's range). They run
 * with the schema, on every Mesh and Service document whether it passed or not, so a typo elsewhere
 * does not hide them until it is fixed (decision 0059); a document is remembered as passing the
 * schema only if they found nothing in it either. The lists below need schema-valid documents: they
 * read fields as typed and relate them, and on a document of the wrong shape would repeat the
 * schema's error in other words, or misread it.
 */
export const DOCUMENT_CHECKS: readonly DocumentCheck[] = [
  checkDurationBounds, // MC2005: durations out of range
];

/**
 * Checks of the mesh itself: the mesh documents, the trust roots they name (assets) and the clock.
 * They always run: time passes, and they are cheap (one document).
 */
export const MESH_CHECKS: readonly Check[] = [
  checkMeshCount, // MC3001, MC3002
  checkTrustRoots, // MC3022, MC3023
  checkCertificates, // MC4001-MC4005: trust root timeline, workload TTL (cert-*.ts)
  checkMeshRetryTimeout, // MC3015 for the mesh defaults
  checkOtlpEndpoint, // MC2010: a tracing endpoint that is no usable URL
];

/**
 * Checks that compare services: they read the services' outlines (load/outline.ts) and the first
 * Mesh document, nothing else (no assets, no clock). validateSpec remembers a run they found nothing
 * in by those inputs, and skips them while none changed (a route edited, say).
 */
export const RELATION_CHECKS: readonly Check[] = [
  checkSidecarPorts, // MC3027
  // names and references between services
  checkDuplicateServices, // MC3003
  checkUnknownCalls, // MC3004
  checkUnknownAuthzCallers, // MC3005
  checkCallerAdmitted, // MC3014
  checkDuplicateEndpoints, // MC3013
  // policies
  checkRingHash, // MC3019, MC3025
];

/**
 * Checks of one service at a time: each reads only that service's document and the mesh document,
 * and reports nothing else. validateSpec runs them per service, so a service they found nothing in
 * is remembered (with the parse cache) and not checked again until it or the mesh changes. A check
 * that compares services belongs in RELATION_CHECKS, one that reports on the mesh itself in MESH_CHECKS.
 */
export const SERVICE_CHECKS: readonly ServiceCheck[] = [
  checkMtlsMode, // MC3018
  checkSelfCalls, // MC3020
  checkIpv6Endpoints, // MC2006 (a bracketed host that is no IPv6 address)
  // routes
  checkDuplicateRoutes, // MC3011
  checkBackendVersions, // MC3006, MC3024
  checkBackendWeights, // MC3008, MC3009
  checkRouteBackendsRequired, // MC3010
  checkMirrorVersion, // MC3007
  checkShadowedRoutes, // MC3012
  checkSafeRegex, // MC3016, MC3017
  checkNormalPaths, // MC3028
  checkHeaderMutations, // MC3029
  checkHeaderNameCase, // MC3031
  // policies
  checkRetryTimeout, // MC3015
  checkTcpHttpOnly, // MC3026
  checkUnreachableAuthz, // MC3021
  checkAuthzPrefixBoundary, // MC3030
];
