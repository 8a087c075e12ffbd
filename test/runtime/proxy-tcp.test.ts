// protocol: tcp through real sidecars: the caller's app connects to its sidecar's local port for the
// destination, the caller's sidecar joins it over mTLS to the destination's sidecar, which authorizes
// the caller by identity and joins it to the app. The app speaks first (as MySQL does), then echoes.
// Also: authorization denies before the app sees a connection, a destination presenting another
// identity is refused, a destination refusing our certificate is a connect failure (TLS 1.3 too),
// connections are split between versions by weight, a swap opens and closes the local ports, and
// every connection ends in one observer record.
import net from 'node:net';
import tls from 'node:tls';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { TcpConnectionRecord } from '../../runtime/observer.js';
import type { RunningProxy } from '../../runtime/proxy.js';
import type { DnsResolver } from '../../runtime/upstream/dns-cache.js';
import type { Bundle, Destination } from '../../schema/bundle.types.generated.js';
import {
  authorization,
  backends,
  bundle,
  defaultPolicy,
  destination,
  route,
  spiffeOf,
  staticEndpoint,
} from './bundle-factory.js';
import { ManualClock } from './fakes.js';
import { splice, TcpHops } from '../../runtime/tcp/splice.js';
import { freePort, send } from './harness.js';
import { createTestPki, type TestPki } from './pki.js';
import { TestMesh } from './mesh.js';

/** A TCP app that greets first, then answers every chunk with `<name>:<chunk>`. */
async function startTcpApp(name: string): Promise<{ port: number; connections: number; close(): void }> {
  const app = {
    port: 0,
    connections: 0,
    close: () => server.close(),
  };
  const server = net.createServer((socket) => {
    app.connections++;
    socket.on('error', () => socket.destroy());
    socket.write(`hello from ${name}\n`);
    socket.on('data', (chunk) => socket.write(`${name}:${chunk.toString()}`));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  app.port = (server.address() as net.AddressInfo).port;
  return app;
}

/** Connects, reads the greeting, sends `text` and reads the answer; or says the proxy hung up. */
function talk(port: number, text: string): Promise<{ greeting: string; answer: string } | 'closed'> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    socket.on('data', (chunk) => {
      received += chunk.toString();
      const lines = received.split('\n');
      if (lines.length === 2 && lines[1] === '') socket.write(text);
      else if (lines.length === 2 && lines[1]!.endsWith(text)) {
        resolve({ greeting: lines[0]!, answer: lines[1]! });
        socket.end();
      }
    });
    socket.on('error', () => resolve('closed'));
    socket.on('close', () => resolve('closed'));
  });
}

const tcpDestination = (opts: {
  port: number;
  versions: Record<string, ReturnType<typeof staticEndpoint>[]>;
  weights?: Record<string, number>;
  spiffeId?: string;
  maxConnections?: number;
  consecutive5xx?: number;
}): Destination => ({
  ...destination({
    service: 'mysql',
    versions: opts.versions,
    routes: [
      route({
        name: 'default',
        ...(opts.weights ? { backends: backends(opts.weights) } : {}),
      }),
    ],
    ...(opts.spiffeId ? { spiffeId: opts.spiffeId } : {}),
    policy: {
      ...defaultPolicy,
      circuitBreaker: {
        ...defaultPolicy.circuitBreaker,
        maxConnections: opts.maxConnections ?? defaultPolicy.circuitBreaker.maxConnections,
      },
      outlierDetection: {
        ...defaultPolicy.outlierDetection,
        consecutive5xx: opts.consecutive5xx ?? defaultPolicy.outlierDetection.consecutive5xx,
      },
    },
  }),
  protocol: 'tcp',
  tcpPort: opts.port,
});

const tcpService = (b: Bundle): Bundle => ({ ...b, inbound: { ...b.inbound, protocol: 'tcp' } });

describe('protocol tcp through the mesh', () => {
  let mesh: TestMesh;
  let caller: RunningProxy;
  let primary: Awaited<ReturnType<typeof startTcpApp>>;
  let replica: Awaited<ReturnType<typeof startTcpApp>>;
  let denied: Awaited<ReturnType<typeof startTcpApp>>;
  let primaryPort = 0;
  let replicaPort = 0;
  let deniedPort = 0;
  let impostorPort = 0;
  let localPort = 0;
  const records: TcpConnectionRecord[] = [];
  let sidecarFor: (
    app: { port: number },
    rules: 'allow' | 'deny' | 'open',
    certFor?: string,
  ) => Promise<number>;
  const callerBundle = (dest: Destination[]) =>
    bundle({ service: 'productpage', trustRoots: [mesh.pki.rootPem], outbound: dest });

  beforeAll(async () => {
    mesh = await TestMesh.create();
    primary = await startTcpApp('primary');
    replica = await startTcpApp('replica');
    denied = await startTcpApp('denied');
    sidecarFor = async (app: { port: number }, rules: 'allow' | 'deny' | 'open', certFor = 'mysql') =>
      (
        await mesh.sidecar(
          tcpService(
            bundle({
              service: 'mysql',
              trustRoots: [mesh.pki.rootPem],
              appPort: app.port,
              // open: default allow, no rules; allow: productpage only; deny: nobody.
              authorization:
                rules === 'open'
                  ? authorization('allow', [])
                  : authorization(
                      'deny',
                      rules === 'allow'
                        ? [{ from: [spiffeOf('productpage')], methods: null, paths: null }]
                        : [],
                    ),
            }),
          ),
          { certFor, observer: { tcpConnectionEnded: (r) => records.push(r) } },
        )
      ).ports.inbound;
    primaryPort = await sidecarFor(primary, 'allow');
    replicaPort = await sidecarFor(replica, 'allow');
    deniedPort = await sidecarFor(denied, 'deny');
    impostorPort = await sidecarFor(primary, 'allow', 'reviews');
    localPort = await freePort();
    caller = await mesh.sidecar(
      callerBundle([tcpDestination({ port: localPort, versions: { v1: [staticEndpoint(primaryPort)] } })]),
      { observer: { tcpConnectionEnded: (r) => records.push(r) } },
    );
  });

  afterAll(async () => {
    await mesh.close();
    for (const app of [primary, replica, denied]) app.close();
  });

  it('joins the caller to the app over mTLS, the app speaking first', async () => {
    expect(caller.tcpPorts()).toEqual([localPort]);
    expect(await talk(localPort, 'ping')).toEqual({ greeting: 'hello from primary', answer: 'primary:ping' });
    await waitFor(() => records.length >= 2);
    const outbound = records.find((r) => r.direction === 'outbound')!;
    expect(outbound).toMatchObject({
      service: 'mysql',
      route: 'default',
      version: 'v1',
      endpoint: `127.0.0.1:${primaryPort}`,
      bytesIn: 4,
      bytesOut: 'hello from primary\nprimary:ping'.length,
      error: null,
    });
    const inbound = records.find((r) => r.direction === 'inbound')!;
    expect(inbound).toMatchObject({
      service: 'mysql',
      peer: spiffeOf('productpage'),
      endpoint: `127.0.0.1:${primary.port}`,
      rule: 'services/test.yaml:31',
      error: null,
    });
  });

  it("disconnects a caller the destination's authorization denies, before the app sees it", async () => {
    records.length = 0;
    caller.swap(
      callerBundle([tcpDestination({ port: localPort, versions: { v1: [staticEndpoint(deniedPort)] } })]),
    );
    expect(await talk(localPort, 'ping')).toBe('closed');
    await waitFor(() => records.some((r) => r.direction === 'inbound'));
    expect(denied.connections).toBe(0);
    expect(records.find((r) => r.direction === 'inbound')).toMatchObject({
      error: 'authz-denied',
      rule: 'services/test.yaml:30',
    });
    // The callee hung up before it accepted the caller (no session ticket yet): a refusal at connect
    // on the caller's side, as from an Envoy callee, which refuses at the handshake (decision 0043).
    await waitFor(() => records.some((r) => r.direction === 'outbound'));
    expect(records.find((r) => r.direction === 'outbound')).toMatchObject({
      error: 'upstream-connect-failure',
    });
  });

  it("logs a callee whose app is down on the callee's side only: the caller saw it accept", async () => {
    // The callee accepted the caller (its session ticket came) before it tried the app, so the
    // caller's sidecar saw a joined connection end without a byte, as an app closing at once.
    records.length = 0;
    const appDown = await mesh.sidecar(
      tcpService(bundle({ service: 'mysql', trustRoots: [mesh.pki.rootPem], appPort: await freePort() })),
      { observer: { tcpConnectionEnded: (r) => records.push(r) } },
    );
    caller.swap(
      callerBundle([
        tcpDestination({ port: localPort, versions: { v1: [staticEndpoint(appDown.ports.inbound)] } }),
      ]),
    );
    expect(await talk(localPort, 'ping')).toBe('closed');
    await waitFor(() => records.length === 2);
    expect(records.map((r) => [r.direction, r.error]).sort()).toEqual([
      ['inbound', 'upstream-connect-failure'],
      ['outbound', null],
    ]);
  });

  it('refuses a destination sidecar that presents another identity', async () => {
    records.length = 0;
    const before = primary.connections;
    caller.swap(
      callerBundle([tcpDestination({ port: localPort, versions: { v1: [staticEndpoint(impostorPort)] } })]),
    );
    expect(await talk(localPort, 'ping')).toBe('closed');
    const toImpostor = () => records.find((r) => r.endpoint === `127.0.0.1:${impostorPort}`);
    await waitFor(() => toImpostor() !== undefined);
    expect(toImpostor()).toMatchObject({ direction: 'outbound', error: 'upstream-identity-mismatch' });
    expect(primary.connections).toBe(before);
  });

  it('refuses a plaintext client at a strict tcp sidecar, before the app sees it', async () => {
    const before = primary.connections;
    const outcome = await new Promise<string>((resolve) => {
      const socket = net.connect(primaryPort, '127.0.0.1', () => socket.write('SELECT 1'));
      socket.on('data', () => resolve('data'));
      socket.on('error', () => resolve('closed'));
      socket.on('close', () => resolve('closed'));
    });
    expect(outcome).toBe('closed');
    expect(primary.connections).toBe(before);
  });

  it('refuses, under default allow, a certificate from our roots that names no id of our trust domain', async () => {
    records.length = 0;
    const open = await startTcpApp('open');
    try {
      const port = await sidecarFor(open, 'open');
      const foreign = await mesh.pki.issueNaming(['spiffe://other.local/productpage']);
      const outcome = await new Promise<string>((resolve) => {
        const socket = tls.connect(
          { host: '127.0.0.1', port, ca: mesh.pki.rootPem, ...foreign, checkServerIdentity: () => undefined },
          () => socket.write('SELECT 1'),
        );
        socket.on('data', () => resolve('data'));
        socket.on('error', () => resolve('closed'));
        socket.on('close', () => resolve('closed'));
      });
      expect(outcome).toBe('closed');
      expect(open.connections).toBe(0);
      await waitFor(() => records.some((r) => r.direction === 'inbound'));
      expect(records.find((r) => r.direction === 'inbound')).toMatchObject({
        peer: null,
        error: 'authz-denied',
      });
    } finally {
      open.close();
    }
  });

  it('splits connections between versions by the route weights', async () => {
    caller.swap(
      callerBundle([
        tcpDestination({
          port: localPort,
          versions: { v1: [staticEndpoint(primaryPort)], v2: [staticEndpoint(replicaPort)] },
          weights: { v1: 75, v2: 25 },
        }),
      ]),
    );
    const n = 200;
    const answers: string[] = [];
    for (let i = 0; i < n; i += 20) {
      const batch = await Promise.all(Array.from({ length: 20 }, () => talk(localPort, 'x')));
      for (const a of batch) answers.push(a === 'closed' ? 'closed' : a.greeting);
    }
    const toReplica = answers.filter((a) => a === 'hello from replica').length;
    expect(answers.filter((a) => a === 'closed')).toEqual([]);
    // Binomial(200, 0.25): mean 50, sd ~6.1; 4 sd either side.
    expect(toReplica).toBeGreaterThan(50 - 25);
    expect(toReplica).toBeLessThan(50 + 25);
  });

  it('refuses a connection beyond circuitBreaker.maxConnections to the endpoint', async () => {
    caller.swap(
      callerBundle([
        tcpDestination({
          port: localPort,
          versions: { v1: [staticEndpoint(primaryPort)] },
          maxConnections: 1,
        }),
      ]),
    );
    // One connection held open, greeted by the app.
    const held = net.connect(localPort, '127.0.0.1');
    await new Promise((resolve) => held.once('data', resolve));
    records.length = 0;
    expect(await talk(localPort, 'x')).toBe('closed');
    await waitFor(() => records.length >= 1);
    expect(records[0]).toMatchObject({ direction: 'outbound', error: 'circuit-open' });
    held.destroy();
    // The held connection's own record comes once its slot is free.
    await waitFor(() => records.some((r) => r.direction === 'outbound' && r.error !== 'circuit-open'));
    expect(await talk(localPort, 'x')).toMatchObject({ greeting: 'hello from primary' });
  });

  it('opens and closes local ports as swaps add and remove tcp destinations', async () => {
    const second = await freePort();
    caller.swap(
      callerBundle([
        tcpDestination({ port: localPort, versions: { v1: [staticEndpoint(primaryPort)] } }),
        {
          ...tcpDestination({ port: second, versions: { v1: [staticEndpoint(replicaPort)] } }),
          service: 'redis',
        },
      ]),
    );
    await waitFor(() => caller.tcpPorts().length === 2);
    expect(await talk(second, 'x')).toMatchObject({ greeting: 'hello from replica' });
    caller.swap(callerBundle([]));
    await waitFor(() => caller.tcpPorts().length === 0);
    expect(await talk(localPort, 'x')).toBe('closed');
  });
});

describe('an idle tcp hop', () => {
  it('is closed after an hour without a byte either way, on the injected clock', async () => {
    const mesh = await TestMesh.create();
    const app = await startTcpApp('primary');
    const clock = new ManualClock();
    const records: TcpConnectionRecord[] = [];
    try {
      const callee = await mesh.sidecar(
        tcpService(bundle({ service: 'mysql', trustRoots: [mesh.pki.rootPem], appPort: app.port })),
      );
      const port = await freePort();
      const caller = await mesh.sidecar(
        bundle({
          service: 'productpage',
          trustRoots: [mesh.pki.rootPem],
          outbound: [tcpDestination({ port, versions: { v1: [staticEndpoint(callee.ports.inbound)] } })],
        }),
        { clock, observer: { tcpConnectionEnded: (r) => records.push(r) } },
      );
      expect(caller.tcpPorts()).toEqual([port]);
      const socket = net.connect(port, '127.0.0.1');
      const received: string[] = [];
      socket.on('data', (d) => received.push(d.toString()));
      let closed = false;
      socket.on('close', () => (closed = true));
      await waitFor(() => received.join('').includes('hello from primary'));
      // 59 minutes quiet, then a byte: the hour starts again from it.
      await clock.advance(59 * 60_000);
      socket.write('ping');
      await waitFor(() => received.join('').includes('primary:ping'));
      await clock.advance(59 * 60_000);
      expect(closed).toBe(false);
      await clock.advance(60_000);
      await waitFor(() => closed && records.length === 1);
      expect(records[0]).toMatchObject({ direction: 'outbound', error: 'idle-timeout', bytesIn: 4 });
    } finally {
      await mesh.close();
      app.close();
    }
  });
});

describe('a destination that refuses our client certificate', () => {
  let mesh: TestMesh;
  let otherRoot: TestPki;
  let app: Awaited<ReturnType<typeof startTcpApp>>;
  const servers: tls.Server[] = [];

  beforeAll(async () => {
    mesh = await TestMesh.create();
    otherRoot = await createTestPki('shop.local');
    app = await startTcpApp('primary');
  });
  afterAll(async () => {
    await mesh.close();
    app.close();
    for (const server of servers) server.close();
  });

  /** Connects once through a caller sidecar to `endpointPort`: the caller's record and ejections. */
  async function connectThroughCaller(
    endpointPort: number,
  ): Promise<{ answer: Awaited<ReturnType<typeof talk>>; record: TcpConnectionRecord; ejected: string[] }> {
    const records: TcpConnectionRecord[] = [];
    const ejected: string[] = [];
    const port = await freePort();
    await mesh.sidecar(
      bundle({
        service: 'productpage',
        trustRoots: [mesh.pki.rootPem],
        outbound: [
          tcpDestination({ port, versions: { v1: [staticEndpoint(endpointPort)] }, consecutive5xx: 1 }),
        ],
      }),
      {
        observer: {
          tcpConnectionEnded: (r) => records.push(r),
          outlierEjected: (_dest, _version, key) => ejected.push(key),
        },
      },
    );
    const answer = await talk(port, 'ping');
    await waitFor(() => records.length === 1);
    return { answer, record: records[0]!, ejected };
  }

  it('is upstream-connect-failure and feeds outlier detection, though TLS 1.3 finished our handshake', async () => {
    // A mysql sidecar trusting only another root: under TLS 1.3 it judges our certificate after our
    // side of the handshake is done, and hangs up. It was logged as a clean connection (error null)
    // that never counted against the endpoint.
    const callee = await mesh.sidecar(
      tcpService(bundle({ service: 'mysql', trustRoots: [otherRoot.rootPem], appPort: app.port })),
    );
    const { answer, record, ejected } = await connectThroughCaller(callee.ports.inbound);
    expect(answer).toBe('closed');
    expect(record).toMatchObject({ direction: 'outbound', error: 'upstream-connect-failure' });
    expect(ejected).toEqual([`127.0.0.1:${callee.ports.inbound}`]);
    expect(app.connections).toBe(0);
  });

  it.each<tls.SecureVersion>(['TLSv1.3', 'TLSv1.2'])(
    'is upstream-connect-failure from a plain TLS server too (%s), the caller sidecar staying up',
    async (maxVersion) => {
      // Under TLS 1.2 the refusal comes within the handshake: Node reports it after an end that the
      // hop's half-open socket does not turn into a close.
      const server = tls.createServer({
        ...(await mesh.pki.issue('mysql')),
        ca: otherRoot.rootPem,
        requestCert: true,
        rejectUnauthorized: true,
        maxVersion,
      });
      server.on('tlsClientError', () => undefined);
      servers.push(server);
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address() as net.AddressInfo;
      const { answer, record, ejected } = await connectThroughCaller(port);
      expect(answer).toBe('closed');
      expect(record).toMatchObject({ direction: 'outbound', error: 'upstream-connect-failure' });
      expect(ejected).toEqual([`127.0.0.1:${port}`]);
    },
  );
});

describe('tcp connections still open when the proxy stops', () => {
  let mesh: TestMesh;
  let app: Awaited<ReturnType<typeof startTcpApp>>;
  beforeEach(async () => {
    mesh = await TestMesh.create();
    app = await startTcpApp('primary');
  });
  afterEach(async () => {
    await mesh.close();
    app.close();
  });

  /** A mysql sidecar and a caller of it, each recording its connections; and the caller's local port. */
  async function callerAndCallee(endpointPort?: number, clock?: ManualClock) {
    const callerRecords: TcpConnectionRecord[] = [];
    const calleeRecords: TcpConnectionRecord[] = [];
    const callee = await mesh.sidecar(
      tcpService(bundle({ service: 'mysql', trustRoots: [mesh.pki.rootPem], appPort: app.port })),
      { observer: { tcpConnectionEnded: (r) => calleeRecords.push(r) } },
    );
    const port = await freePort();
    const caller = await mesh.sidecar(
      bundle({
        service: 'productpage',
        trustRoots: [mesh.pki.rootPem],
        outbound: [
          tcpDestination({
            port,
            versions: { v1: [staticEndpoint(endpointPort ?? callee.ports.inbound)] },
          }),
        ],
      }),
      { ...(clock ? { clock } : {}), observer: { tcpConnectionEnded: (r) => callerRecords.push(r) } },
    );
    return { caller, callee, port, callerRecords, calleeRecords };
  }

  /** A client connection through `port`, once the app's greeting came back (both hops joined). */
  async function joined(port: number): Promise<net.Socket> {
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => undefined);
    await new Promise((resolve, reject) => {
      socket.once('data', resolve);
      socket.once('close', () => reject(new Error('the connection closed before the greeting')));
    });
    return socket;
  }

  it.each(['outbound', 'inbound'] as const)(
    'are cut after the grace, and the %s record says proxy-shutdown',
    async (direction) => {
      // They were logged as clean closes (error null).
      const sides = await callerAndCallee();
      const [stopping, records] =
        direction === 'outbound' ? [sides.caller, sides.callerRecords] : [sides.callee, sides.calleeRecords];
      const client = await joined(sides.port);
      await stopping.close({ graceMs: 50 });
      // Already reported when close() resolves: a stopping sidecar flushes its access log then.
      expect(records).toMatchObject([{ direction, error: 'proxy-shutdown' }]);
      client.destroy();
    },
  );

  it('cancels a connection still reaching its upstream, reported proxy-shutdown before close() resolves', async () => {
    // An endpoint that accepts TCP and never answers the TLS handshake; the injected clock never
    // lets the connect timeout fire. Its record came only after close() had resolved, after a
    // stopping sidecar flushes its access log, and read client-gone before that.
    const held: net.Socket[] = [];
    const silent = net.createServer((socket) => {
      socket.on('error', () => undefined);
      // Read (and ignore) the client hello, so the caller hanging up is seen.
      socket.resume();
      held.push(socket);
    });
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    try {
      const endpointPort = (silent.address() as net.AddressInfo).port;
      const { caller, port, callerRecords } = await callerAndCallee(endpointPort, new ManualClock());
      const client = net.connect(port, '127.0.0.1');
      client.on('error', () => undefined);
      const clientClosed = new Promise((resolve) => client.once('close', resolve));
      await waitFor(() => held.length === 1);
      const dialClosed = new Promise((resolve) => held[0]!.once('close', resolve));
      await caller.close({ graceMs: 50 });
      expect(callerRecords).toMatchObject([{ direction: 'outbound', error: 'proxy-shutdown' }]);
      // The dial is cancelled (the silent endpoint sees its connection go) and the client let go.
      await Promise.all([dialClosed, clientClosed]);
    } finally {
      for (const socket of held) socket.destroy();
      silent.close();
    }
  });

  it('cancels a connection whose endpoint name is still being resolved, at shutdown or when its client leaves', async () => {
    // A resolver that never answers: the connection neither reported nor closed its upstream side
    // until the lookup came back, and a stopping proxy did not wait for its line.
    const lookups: string[] = [];
    const silentResolver: DnsResolver = {
      resolve4: (host) => (lookups.push(host), new Promise(() => undefined)),
      resolve6: () => new Promise(() => undefined),
      lookup: () => new Promise(() => undefined),
    };
    const records: TcpConnectionRecord[] = [];
    // One name per connection: the cache asks once for a name however many connections wait on it.
    const [leavingPort, stayingPort] = [await freePort(), await freePort()];
    const byName = (port: number, host: string) => ({
      ...tcpDestination({ port, versions: { v1: [{ kind: 'dns', host, port: 1 }] } }),
      service: host.split('.')[0]!,
    });
    const caller = await mesh.sidecar(
      bundle({
        service: 'productpage',
        trustRoots: [mesh.pki.rootPem],
        outbound: [byName(leavingPort, 'leaving.svc.test'), byName(stayingPort, 'staying.svc.test')],
      }),
      { dnsResolver: silentResolver, observer: { tcpConnectionEnded: (r) => records.push(r) } },
    );
    const connect = (port: number) => {
      const client = net.connect(port, '127.0.0.1');
      client.on('error', () => undefined);
      return client;
    };
    const leaving = connect(leavingPort);
    await waitFor(() => lookups.includes('leaving.svc.test'));
    // A reset: a client that only ends its side may still want the answer (half-open), and is kept.
    leaving.resetAndDestroy();
    await waitFor(() => records.length === 1);
    expect(records[0]).toMatchObject({ service: 'leaving', error: 'client-gone' });
    const staying = connect(stayingPort);
    await waitFor(() => lookups.includes('staying.svc.test'));
    await caller.close({ graceMs: 50 });
    expect(records[1]).toMatchObject({ service: 'staying', error: 'proxy-shutdown' });
    staying.destroy();
  });
});

describe('tcp destinations named by DNS', () => {
  it('resolves dns: endpoints per connection, and closes the connection when nothing resolves', async () => {
    const mesh = await TestMesh.create();
    const app = await startTcpApp('primary');
    const records: TcpConnectionRecord[] = [];
    const notFound = (host: string) => Object.assign(new Error(`ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
    const resolver: DnsResolver = {
      resolve4: async (host) => {
        if (host === 'mysql.svc.test') return [{ address: '127.0.0.1', ttl: 30 }];
        throw notFound(host);
      },
      resolve6: async (host) => {
        throw notFound(host);
      },
      lookup: async (host) => {
        throw notFound(host);
      },
    };
    try {
      const callee = await mesh.sidecar(
        tcpService(bundle({ service: 'mysql', trustRoots: [mesh.pki.rootPem], appPort: app.port })),
      );
      const [named, gone] = [await freePort(), await freePort()];
      const byName = (port: number, host: string) => ({
        ...tcpDestination({ port, versions: { v1: [{ kind: 'dns', host, port: callee.ports.inbound }] } }),
        service: host.split('.')[0]!,
      });
      await mesh.sidecar(
        bundle({
          service: 'productpage',
          trustRoots: [mesh.pki.rootPem],
          outbound: [byName(named, 'mysql.svc.test'), byName(gone, 'gone.svc.test')],
        }),
        { dnsResolver: resolver, observer: { tcpConnectionEnded: (r) => records.push(r) } },
      );
      expect(await talk(named, 'x')).toMatchObject({ greeting: 'hello from primary' });
      expect(await talk(gone, 'x')).toBe('closed');
      await waitFor(() => records.some((r) => r.service === 'gone'));
      expect(records.find((r) => r.service === 'gone')).toMatchObject({ error: 'no-healthy-upstream' });
    } finally {
      await mesh.close();
      app.close();
    }
  });
});

describe('a bug on the tcp path', () => {
  it('costs the connection, not the proxy, and is reported as an internal error', async () => {
    const mesh = await TestMesh.create();
    const errors: unknown[] = [];
    try {
      // An app port no socket can have: connecting to it throws, as a bug in the proxy would.
      const sidecar = await mesh.sidecar(
        tcpService(bundle({ service: 'mysql', trustRoots: [mesh.pki.rootPem], mtls: 'permissive' })),
        { app: { host: '127.0.0.1', port: 70_000 }, observer: { internalError: (err) => errors.push(err) } },
      );
      for (let i = 1; i <= 2; i++) {
        const closed = await new Promise<boolean>((resolve) => {
          const socket = net.connect(sidecar.ports.inbound, '127.0.0.1', () => socket.write('hello'));
          socket.on('error', () => resolve(true));
          socket.on('close', () => resolve(true));
        });
        expect(closed).toBe(true);
        expect(errors).toHaveLength(i);
      }
    } finally {
      await mesh.close();
    }
  });
});

describe('a tcp port that cannot be bound', () => {
  it('is reported, and the sidecar still starts and serves its other listeners', async () => {
    const mesh = await TestMesh.create();
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    const failures: string[] = [];
    try {
      const sidecar = await mesh.sidecar(
        bundle({
          service: 'productpage',
          trustRoots: [mesh.pki.rootPem],
          outbound: [tcpDestination({ port, versions: { v1: [staticEndpoint(1)] } })],
        }),
        { observer: { listenerFailed: (error) => failures.push(error.message) } },
      );
      expect(sidecar.tcpPorts()).toEqual([]);
      // Named: which listener, for which destination, and where.
      expect(failures).toEqual([
        `tcp listener for mysql 127.0.0.1:${port}: address already in use (EADDRINUSE)`,
      ]);
      const reply = await send(sidecar.ports.outbound, { host: 'nowhere', path: '/' });
      expect(reply.headers['x-meshc-error']).toBe('unknown-destination');
    } finally {
      taken.close();
      await mesh.close();
    }
  });
});

describe('protocol tcp: half-close and reset', () => {
  it('carries a half-close through both sidecars: a client that ends its side still gets the answer', async () => {
    const mesh = await TestMesh.create();
    // An app that answers only once the client has said everything (end of its input), then ends.
    const app = net.createServer({ allowHalfOpen: true }, (socket) => {
      let got = '';
      socket.on('data', (chunk) => (got += chunk.toString()));
      socket.on('end', () => socket.end(`got:${got}`));
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    const records: TcpConnectionRecord[] = [];
    try {
      const callee = await mesh.sidecar(
        tcpService(
          bundle({
            service: 'mysql',
            trustRoots: [mesh.pki.rootPem],
            appPort: (app.address() as net.AddressInfo).port,
            authorization: authorization('deny', [
              { from: [spiffeOf('productpage')], methods: null, paths: null },
            ]),
          }),
        ),
        { observer: { tcpConnectionEnded: (r) => records.push(r) } },
      );
      const local = await freePort();
      await mesh.sidecar(
        bundle({
          service: 'productpage',
          trustRoots: [mesh.pki.rootPem],
          outbound: [
            tcpDestination({ port: local, versions: { v1: [staticEndpoint(callee.ports.inbound)] } }),
          ],
        }),
        { observer: { tcpConnectionEnded: (r) => records.push(r) } },
      );
      const answer = await new Promise<string>((resolve, reject) => {
        let received = '';
        const socket = net.connect({ port: local, host: '127.0.0.1', allowHalfOpen: true }, () =>
          socket.end('hello'),
        );
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('end', () => resolve(received));
        socket.on('error', reject);
      });
      expect(answer).toBe('got:hello');
      // Each hop closes and reports once, clean, on both sides.
      await waitFor(() => records.length === 2);
      expect(records.map((r) => [r.direction, r.error, r.bytesIn, r.bytesOut]).sort()).toEqual([
        ['inbound', null, 5, 9],
        ['outbound', null, 5, 9],
      ]);
    } finally {
      app.close();
      await mesh.close();
    }
  });

  it('passes a reset on as a reset where the other side is plain TCP', async () => {
    const appEvents: string[] = [];
    const app = net.createServer((socket) => {
      socket.on('error', (err) => appEvents.push((err as NodeJS.ErrnoException).code ?? 'error'));
      socket.on('data', () => appEvents.push('data'));
      socket.on('end', () => appEvents.push('end'));
      socket.on('close', () => appEvents.push('close'));
    });
    await new Promise<void>((resolve) => app.listen(0, '127.0.0.1', resolve));
    // The two sockets of one hop, as the sidecar holds them: the client's and one to the app.
    const front = net.createServer({ allowHalfOpen: true }, (downstream) => {
      const upstream = net.connect({
        port: (app.address() as net.AddressInfo).port,
        host: '127.0.0.1',
        allowHalfOpen: true,
      });
      splice(downstream, upstream, { clock: new ManualClock(), tcpHops: new TcpHops() }, () => undefined);
    });
    await new Promise<void>((resolve) => front.listen(0, '127.0.0.1', resolve));
    try {
      const client = net.connect((front.address() as net.AddressInfo).port, '127.0.0.1');
      client.on('error', () => undefined);
      await new Promise<void>((resolve) => client.once('connect', resolve));
      client.write('partial');
      await waitFor(() => appEvents.includes('data'));
      client.resetAndDestroy();
      await waitFor(() => appEvents.includes('close'));
      // An aborted stream, not a finished one: the app sees a reset, never a clean end.
      expect(appEvents.filter((e) => e !== 'data')).toEqual(['ECONNRESET', 'close']);
    } finally {
      app.close();
      front.close();
    }
  });
});

/** Polls a condition the proxy reaches on its own (a record written, a port opened). */
async function waitFor(condition: () => boolean): Promise<void> {
  for (let i = 0; i < 400 && !condition(); i++) await new Promise((r) => setTimeout(r, 5));
  expect(condition()).toBe(true);
}
