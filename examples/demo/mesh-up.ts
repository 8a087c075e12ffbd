// The running shop: each instance is a sample app plus its `meshc proxy` sidecar, listening where the
// demo's copy of the spec says (examples/shop's endpoints moved to free ports on the same hosts), all
// loading bundles from the HTTP store.
import type { PortReservation } from './free-ports.js';
import { onCleanup } from './processes.js';
import { type SampleApp, startSampleApp } from './sample-app.js';
import { type Sidecar, startSidecar } from './sidecar.js';

interface Instance {
  readonly service: string;
  readonly version: string;
  /** This instance's endpoint as examples/shop lists it (services/<service>.yaml). */
  readonly shopEndpoint: string;
  readonly calls?: { service: string; path: (path: string) => string };
}

/** An instance with its endpoint in the demo's spec: the example's host, a port found free. */
export interface PlacedInstance extends Instance {
  readonly name: string;
  readonly endpoint: string;
}

const ratingsOf = { service: 'ratings', path: (p: string) => p.replace(/^\/reviews/, '/ratings') };

/** The instances the demo runs (gateway and the TCP database are left out: nothing here needs them). */
export const INSTANCES: readonly Instance[] = [
  { service: 'productpage', version: 'v1', shopEndpoint: '127.0.0.1:17006' },
  { service: 'details', version: 'v1', shopEndpoint: 'dns:localhost:18006' },
  { service: 'reviews', version: 'v1', shopEndpoint: '127.0.0.1:21006' },
  { service: 'reviews', version: 'v2', shopEndpoint: '127.0.0.1:21106', calls: ratingsOf },
  { service: 'reviews', version: 'v3', shopEndpoint: '127.0.0.1:21206', calls: ratingsOf },
  { service: 'ratings', version: 'v1', shopEndpoint: '127.0.0.1:22006' },
  { service: 'ratings', version: 'v2', shopEndpoint: '127.0.0.1:22106' },
];

/** Gives INSTANCES[i] the port `ports[i]`, keeping the example's host and its `dns:` form. */
export function placeInstances(ports: readonly number[]): PlacedInstance[] {
  return INSTANCES.map((i, n) => ({
    ...i,
    name: `${i.service}-${i.version}`,
    endpoint: i.shopEndpoint.replace(/:\d+$/, `:${ports[n]}`),
  }));
}

/**
 * For the demo's own test only: the instance named here (`reviews-v1`) finds its port still bound by
 * the demo, as it would if another program took it between the choice and the sidecar's start.
 */
const TAKEN_FOR_TEST = process.env.MESHC_DEMO_TEST_PORT_TAKEN;

export interface RunningMesh {
  readonly sidecars: Map<string, Sidecar>;
  readonly apps: SampleApp[];
}

export async function meshUp(
  store: string,
  work: string,
  instances: readonly PlacedInstance[],
  reserved: PortReservation,
): Promise<RunningMesh> {
  const apps = await Promise.all(
    instances.map(async (i) => {
      const app = await startSampleApp(i.service, i.version, i.calls);
      onCleanup(() => app.close());
      return app;
    }),
  );
  const taken = instances.filter((i) => i.name === TAKEN_FOR_TEST).map((i) => portOf(i.endpoint));
  await reserved.release(new Set(taken));
  const sidecars = new Map<string, Sidecar>();
  await Promise.all(
    instances.map(async (i, n) => {
      const app = apps[n]!;
      // The sidecar listens where the spec says; a `dns:` endpoint is the name callers resolve.
      const inbound = i.endpoint.replace(/^dns:/, '');
      const sidecar = await startSidecar({ ...i, inbound, store, work, appPort: app.port });
      app.outbound = sidecar.outbound;
      sidecars.set(sidecar.name, sidecar);
    }),
  );
  return { sidecars, apps };
}

function portOf(endpoint: string): number {
  return Number(/:(\d+)$/.exec(endpoint)![1]);
}
