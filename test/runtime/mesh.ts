// A whole mesh on 127.0.0.1 for integration tests: one PKI, app servers, and sidecars started with
// real certificates, all closed by one call.
import type { Bundle, BundleRoute, ClusterPolicy, Destination } from '../../schema/bundle.types.generated.js';
import { bundle, destination, staticEndpoint } from './bundle-factory.js';
import { type RunningProxy, type StartProxyOptions, startProxy } from '../../runtime/proxy.js';
import { startApp, type TestApp } from './harness.js';
import { createTestPki, type TestPki } from './pki.js';

const LOOPBACK = { host: '127.0.0.1', port: 0 };

export class TestMesh {
  private readonly proxies: RunningProxy[] = [];
  private readonly apps: TestApp[] = [];

  private constructor(readonly pki: TestPki) {}

  static async create(trustDomain = 'shop.local'): Promise<TestMesh> {
    return new TestMesh(await createTestPki(trustDomain));
  }

  async app(name = 'app'): Promise<TestApp> {
    const app = await startApp(name);
    this.apps.push(app);
    return app;
  }

  /** A sidecar for `bundle.service`, with a certificate for `certFor` (default: the service itself). */
  async sidecar(
    bundle: Bundle,
    extra: Partial<Omit<StartProxyOptions, 'bundle'>> & { certFor?: string } = {},
  ): Promise<RunningProxy> {
    const { certFor, ...rest } = extra;
    const creds =
      rest.cert && rest.key
        ? { cert: rest.cert, key: rest.key }
        : await this.pki.issue(certFor ?? bundle.service);
    const proxy = await startProxy({
      listen: { inbound: LOOPBACK, outbound: LOOPBACK },
      ...rest,
      ...creds,
      bundle,
    });
    this.proxies.push(proxy);
    return proxy;
  }

  /**
   * Two `reviews` sidecars: one in front of an app answering 200, one in front of an app answering
   * 503 to everything. Their inbound ports, and the failing app (to count what reached it).
   */
  async healthyAndFailing(): Promise<{ healthyPort: number; failingPort: number; failing: TestApp }> {
    const healthy = await this.app('good');
    const failing = await this.app('bad');
    failing.handler = (_req, res) => {
      res.statusCode = 503;
      res.end('overloaded');
    };
    const sidecarFor = async (appPort: number) =>
      this.sidecar(bundle({ service: 'reviews', trustRoots: [this.pki.rootPem], appPort }));
    const healthyPort = (await sidecarFor(healthy.port)).ports.inbound;
    const failingPort = (await sidecarFor(failing.port)).ports.inbound;
    return { healthyPort, failingPort, failing };
  }

  /** A productpage sidecar calling `dest`: the usual caller of these tests. */
  async caller(
    dest: Destination,
    extra: Partial<Omit<StartProxyOptions, 'bundle'>> = {},
  ): Promise<RunningProxy> {
    const b = bundle({ service: 'productpage', trustRoots: [this.pki.rootPem], outbound: [dest] });
    return this.sidecar(b, extra);
  }

  /**
   * A `reviews` sidecar in front of `app`, and a productpage sidecar calling it: `reviews` v1 with
   * that sidecar as its one endpoint, and the given routes and policy.
   */
  async callerOf(
    app: TestApp,
    dest: { routes?: BundleRoute[]; policy?: Partial<ClusterPolicy> },
    extra: Partial<Omit<StartProxyOptions, 'bundle'>> = {},
  ): Promise<RunningProxy> {
    const callee = await this.sidecar(
      bundle({ service: 'reviews', trustRoots: [this.pki.rootPem], appPort: app.port }),
    );
    const versions = { v1: [staticEndpoint(callee.ports.inbound)] };
    return this.caller(destination({ service: 'reviews', versions, ...dest }), extra);
  }

  async close(): Promise<void> {
    await Promise.all(this.proxies.map((p) => p.close({ graceMs: 100 })));
    await Promise.all(this.apps.map((a) => a.close()));
  }
}
