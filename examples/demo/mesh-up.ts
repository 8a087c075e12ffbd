// The running shop: each instance is a sample app plus its `meshc proxy` sidecar, listening where the
// spec's endpoints say (127.0.0.1 ports of examples/shop), all loading bundles from the HTTP store.
import { onCleanup } from './processes.js';
import { type SampleApp, startSampleApp } from './sample-app.js';
import { type Sidecar, startSidecar } from './sidecar.js';

interface Instance {
  readonly service: string;
  readonly version: string;
  /** The inbound address of this instance in examples/shop. */
  readonly inbound: string;
  readonly calls?: { service: string; path: (path: string) => string };
}

const ratingsOf = { service: 'ratings', path: (p: string) => p.replace(/^\/reviews/, '/ratings') };

/** The instances the demo runs (gateway and the TCP database are left out: nothing here needs them). */
export const INSTANCES: readonly Instance[] = [
  { service: 'productpage', version: 'v1', inbound: '127.0.0.1:17006' },
  { service: 'details', version: 'v1', inbound: 'localhost:18006' },
  { service: 'reviews', version: 'v1', inbound: '127.0.0.1:21006' },
  { service: 'reviews', version: 'v2', inbound: '127.0.0.1:21106', calls: ratingsOf },
  { service: 'reviews', version: 'v3', inbound: '127.0.0.1:21206', calls: ratingsOf },
  { service: 'ratings', version: 'v1', inbound: '127.0.0.1:22006' },
  { service: 'ratings', version: 'v2', inbound: '127.0.0.1:22106' },
];

export interface RunningMesh {
  readonly sidecars: Map<string, Sidecar>;
  readonly apps: SampleApp[];
}

export async function meshUp(store: string, work: string): Promise<RunningMesh> {
  const sidecars = new Map<string, Sidecar>();
  const apps: SampleApp[] = [];
  await Promise.all(
    INSTANCES.map(async (i) => {
      const app = await startSampleApp(i.service, i.version, i.calls);
      apps.push(app);
      onCleanup(() => app.close());
      const sidecar = await startSidecar({ ...i, store, work, appPort: app.port });
      app.outbound = sidecar.outbound;
      sidecars.set(sidecar.name, sidecar);
    }),
  );
  return { sidecars, apps };
}
