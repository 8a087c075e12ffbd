// plan: what one service's proxy must know, and nothing more: its identity and inbound policy,
// and only the services it `calls`. A bundle's size depends on the service and its callees,
// never on the size of the mesh (lookups are by name; no stage here walks every service).
// Every object here is written with its keys in sorted order, the order of canonical JSON, so that
// serializing a bundle copies nothing (schema/store-format.ts; a test checks planned bundles).
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { BUNDLE_FORMAT } from '../../schema/store-format.js';
import type { MeshModel, ServiceModel } from '../model.js';
import { planDestination } from './destination.js';
import { planInbound } from './inbound.js';
import { nonEmpty } from './routes.js';
import { listUnsupported } from './unsupported.js';

export interface PlanOptions {
  /** Git commit of the spec; null (the default) when not compiled from git. */
  readonly commit?: string | null;
}

/** Pure: the bundle of `serviceName` in `model`. Throws only on a name the model does not have. */
export function planBundle(model: MeshModel, serviceName: string, options: PlanOptions = {}): Bundle {
  const self = lookup(model, serviceName, 'service');
  const destinations = self.calls.map((name) => lookup(model, name, `callee of ${serviceName}`));
  return {
    commit: options.commit ?? null,
    format: BUNDLE_FORMAT,
    identity: { spiffeId: self.spiffeId, trustDomain: model.trustDomain },
    inbound: planInbound(self, model.trustDomain),
    mesh: model.name,
    observability: {
      accessLog: model.observability.accessLog,
      tracing: {
        otlpEndpoint: model.observability.tracing.otlpEndpoint,
        sampling: model.observability.tracing.sampling,
      },
    },
    outbound: destinations.map(planDestination),
    service: self.name,
    sidecar: { admin: model.sidecar.admin, inbound: model.sidecar.inbound, outbound: model.sidecar.outbound },
    trustRoots: nonEmpty([...model.trustRoots], 'trust roots'),
    unsupported: listUnsupported(self, destinations),
  };
}

function lookup(model: MeshModel, name: string, what: string): ServiceModel {
  const service = model.services.get(name);
  if (!service) throw new Error(`planBundle: unknown ${what} "${name}"`);
  return service;
}
