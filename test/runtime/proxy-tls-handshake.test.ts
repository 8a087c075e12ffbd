// Failed TLS handshakes with mesh peers are counted in meshc_tls_handshake_failures_total, by
// direction and a fixed reason, on real TLS with certificates from meshc's own PKI. Inbound: callers
// with no certificate, one from another CA, an expired one, plaintext, garbage, or a hang-up
// mid-handshake, on a strict listener. Outbound: callees with the wrong SPIFFE id, another CA, one
// that refuses our certificate, or no TLS at all; each is also a connect failure that outlier
// detection counts. A port that refuses the TCP connection is no handshake failure.
import https from 'node:https';
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningProxy } from '../../runtime/proxy.js';
import { createRequestObserver } from '../../runtime/telemetry/request-observer.js';
import { createTelemetry, type Telemetry } from '../../runtime/telemetry/telemetry.js';
import { parsePrometheusText } from '../runtime-lifecycle/prom-parse.js';
import { bundle, defaultPolicy, destination, spiffeOf, staticEndpoint } from './bundle-factory.js';
import { freePort, send, type TestApp } from './harness.js';
import { TestMesh } from './mesh.js';
import { createTestPki, type TestPki } from './pki.js';

/** A proxy's telemetry, wired as `meshc proxy` wires it, so the test reads the real /metrics text. */
function observed(): { telemetry: Telemetry; observer: ReturnType<typeof createRequestObserver> } {
  const telemetry = createTelemetry();
  return { telemetry, observer: createRequestObserver(telemetry, { log: () => undefined }) };
}

/** Every non-zero sample of a counter in `telemetry`'s Prometheus text, as "label=value ...: n". */
function nonZero(telemetry: Telemetry, metric: string, labels: string[]): Record<string, number> {
  const family = parsePrometheusText(telemetry.renderMetrics().body).get(metric);
  const out: Record<string, number> = {};
  for (const s of family?.samples ?? [])
    if (s.value !== 0) out[labels.map((l) => s.labels[l]).join(' ')] = s.value;
  return out;
}

const failures = (t: Telemetry) => nonZero(t, 'meshc_tls_handshake_failures_total', ['direction', 'reason']);

/** Looks again every few milliseconds of real time until `until()` holds (the test timeout bounds it). */
async function waitFor(until: () => boolean): Promise<void> {
  while (!until()) await new Promise((r) => setTimeout(r, 5));
}

/** A TLS client handshake with the inbound listener that is expected to fail; resolves once closed. */
function failingHandshake(port: number, options: tls.ConnectionOptions): Promise<void> {
  return new Promise((resolve) => {
    const socket = tls.connect({ host: '127.0.0.1', port, checkServerIdentity: () => undefined, ...options });
    socket.on('error', () => undefined);
    socket.once('close', () => resolve());
  });
}

/** Raw bytes to the inbound listener; `end` after writing them, or wait for the proxy to close. */
function rawBytes(port: number, bytes: Buffer | string, end: boolean): Promise<void> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(bytes);
      if (end) socket.destroy();
    });
    socket.on('error', () => undefined);
    socket.once('close', () => resolve());
  });
}

describe('TLS handshake failures on the inbound listener', () => {
  let mesh: TestMesh;
  let other: TestPki;
  let callee: RunningProxy;
  const { telemetry, observer } = observed();

  beforeAll(async () => {
    mesh = await TestMesh.create();
    other = await createTestPki('shop.local');
    const app = await mesh.app('reviews');
    callee = await mesh.sidecar(
      bundle({ service: 'reviews', trustRoots: [mesh.pki.rootPem], appPort: app.port, mtls: 'strict' }),
      { observer },
    );
  });

  afterAll(async () => {
    await mesh.close();
  });

  /** Runs `attempt`, then waits for the callee to count `reason` once more. */
  async function counts(reason: string, attempt: () => Promise<void>): Promise<void> {
    const before = failures(telemetry)[`inbound ${reason}`] ?? 0;
    await attempt();
    await waitFor(() => (failures(telemetry)[`inbound ${reason}`] ?? 0) === before + 1);
  }

  it('counts each failed handshake by a fixed reason, and a good one not at all', async () => {
    const port = callee.ports.inbound;
    const ca = mesh.pki.rootPem;
    const caller = await mesh.pki.issue('productpage');
    const now = Date.now();
    const expired = await mesh.pki.issueNaming([spiffeOf('productpage')], {
      notBefore: now - 7_200_000,
      notAfter: now - 3_600_000,
    });
    const stranger = await other.issue('productpage');

    await counts('no-client-certificate', () => failingHandshake(port, { ca }));
    await counts('untrusted-certificate', () => failingHandshake(port, { ca, ...stranger }));
    await counts('certificate-expired', () => failingHandshake(port, { ca, ...expired }));
    await counts('not-tls', () => rawBytes(port, 'GET / HTTP/1.1\r\nhost: reviews\r\n\r\n', false));
    await counts('protocol-error', () => rawBytes(port, '\x16garbage, not a TLS record\r\n\r\n', false));
    // The first bytes of a ClientHello, then gone.
    await counts('connection-closed', () => rawBytes(port, Buffer.from([0x16, 3, 1, 2, 0, 1]), true));

    // A caller with a good certificate is served, and counted nowhere here.
    const ok = await new Promise<number>((resolve, reject) => {
      const req = https.get(
        { host: '127.0.0.1', port, ca, ...caller, agent: false, checkServerIdentity: () => undefined },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
    });
    expect(ok).toBe(200);
    expect(failures(telemetry)).toEqual({
      'inbound no-client-certificate': 1,
      'inbound untrusted-certificate': 1,
      'inbound certificate-expired': 1,
      'inbound not-tls': 1,
      'inbound protocol-error': 1,
      'inbound connection-closed': 1,
    });
  });
});

describe('TLS handshake failures on outbound hops', () => {
  let mesh: TestMesh;
  let caller: RunningProxy;
  let app: TestApp;
  const { telemetry, observer } = observed();
  let closedPort = 0;

  beforeAll(async () => {
    mesh = await TestMesh.create();
    const other = await createTestPki('shop.local');
    app = await mesh.app('reviews');
    const calleeBundle = (trustRoots: string[]) =>
      bundle({ service: 'reviews', trustRoots, appPort: app.port });
    const good = await mesh.sidecar(calleeBundle([mesh.pki.rootPem]));
    const impostor = await mesh.sidecar(calleeBundle([mesh.pki.rootPem]), { certFor: 'impostor' });
    const foreign = await mesh.sidecar(calleeBundle([other.rootPem]), await other.issue('reviews'));
    // Its certificate is from our root, but it trusts only another one: it refuses our certificate.
    const picky = await mesh.sidecar(calleeBundle([other.rootPem]), await mesh.pki.issue('reviews'));
    closedPort = await freePort();

    const to = (name: string, port: number) =>
      destination({
        service: name,
        spiffeId: spiffeOf('reviews'),
        versions: { v1: [staticEndpoint(port)] },
        policy: {
          ...defaultPolicy,
          outlierDetection: { ...defaultPolicy.outlierDetection, consecutive5xx: 2 },
        },
      });
    caller = await mesh.sidecar(
      bundle({
        service: 'productpage',
        trustRoots: [mesh.pki.rootPem],
        outbound: [
          to('good', good.ports.inbound),
          to('impostor', impostor.ports.inbound),
          to('foreign', foreign.ports.inbound),
          to('picky', picky.ports.inbound),
          to('plain', app.port),
          to('closed', closedPort),
        ],
      }),
      { observer },
    );
  });

  afterAll(async () => {
    await mesh.close();
  });

  const call = (host: string) => send(caller.ports.outbound, { host, path: '/' });

  it('counts each by reason, answers each as a connect failure, and ejects the endpoint', async () => {
    expect((await call('good')).status).toBe(200);
    const cases = [
      ['impostor', 'upstream-identity-mismatch', 'identity-mismatch'],
      ['foreign', 'upstream-connect-failure', 'untrusted-certificate'],
      ['picky', 'upstream-connect-failure', 'peer-rejected'],
      ['plain', 'upstream-connect-failure', 'protocol-error'],
    ] as const;
    for (const [host, code] of cases) {
      for (let i = 0; i < 2; i++) {
        const r = await call(host);
        expect([host, r.status, r.headers['x-meshc-error']]).toEqual([host, 503, code]);
      }
    }
    // Nothing listens there: a TCP connect failure, not a handshake's.
    expect((await call('closed')).headers['x-meshc-error']).toBe('upstream-connect-failure');

    expect(failures(telemetry)).toEqual(
      Object.fromEntries(cases.map(([, , reason]) => [`outbound ${reason}`, 2])),
    );
    // Two failures in a row each: every one of these endpoints was ejected.
    expect(nonZero(telemetry, 'meshc_outlier_ejections_total', ['peer', 'version'])).toEqual({
      'impostor v1': 1,
      'foreign v1': 1,
      'picky v1': 1,
      'plain v1': 1,
    });
  });
});

// protocol: tcp hops take the same paths: the tcp front door's TLS servers, and the tcp dial.
describe('TLS handshake failures on tcp hops', () => {
  let mesh: TestMesh;
  let callee: RunningProxy;
  let localPort = 0;
  let app: net.Server | undefined;
  const calleeSide = observed();
  const callerSide = observed();

  beforeAll(async () => {
    mesh = await TestMesh.create();
    const server = net.createServer((socket) => socket.end('hello\n'));
    app = server;
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const appPort = (server.address() as net.AddressInfo).port;
    const b = bundle({ service: 'mysql', trustRoots: [mesh.pki.rootPem], appPort });
    // A tcp service whose certificate names another service: the caller's dial refuses it.
    callee = await mesh.sidecar(
      { ...b, inbound: { ...b.inbound, protocol: 'tcp' } },
      { certFor: 'reviews', observer: calleeSide.observer },
    );
    localPort = await freePort();
    await mesh.sidecar(
      bundle({
        service: 'productpage',
        trustRoots: [mesh.pki.rootPem],
        outbound: [
          {
            ...destination({ service: 'mysql', versions: { v1: [staticEndpoint(callee.ports.inbound)] } }),
            protocol: 'tcp',
            tcpPort: localPort,
          },
        ],
      }),
      { observer: callerSide.observer },
    );
  });

  afterAll(async () => {
    await mesh.close();
    await new Promise((r) => app?.close(r));
  });

  it('counts a tcp callee with the wrong identity, and a tcp caller with no certificate', async () => {
    await rawBytes(localPort, 'hi', false);
    await waitFor(() => failures(callerSide.telemetry)['outbound identity-mismatch'] === 1);
    await failingHandshake(callee.ports.inbound, { ca: mesh.pki.rootPem });
    await waitFor(() => failures(calleeSide.telemetry)['inbound no-client-certificate'] === 1);
    expect(failures(callerSide.telemetry)).toEqual({ 'outbound identity-mismatch': 1 });
    expect(failures(calleeSide.telemetry)).toEqual({ 'inbound no-client-certificate': 1 });
  });
});
