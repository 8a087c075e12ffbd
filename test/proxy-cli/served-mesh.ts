// The mesh most `meshc proxy` process tests start from: the fixture's store routes client -> the
// server sidecar (a real process) -> one app answering "ok v1", compiled once the sidecar's inbound
// port is known.
import { type Reply, send, startApp, type TestApp } from '../runtime/harness.js';
import { createMeshFixture, type MeshFixture, type MeshShape } from './mesh-fixture.js';
import { baseArgs, type SidecarProcess, startSidecarProcess } from './sidecar-process.js';

export interface ServedMesh {
  readonly fixture: MeshFixture;
  readonly app: TestApp;
  readonly server: SidecarProcess;
  /** What the store was compiled from (server v1 at the sidecar's inbound port). */
  readonly shape: MeshShape;
}

export async function startServedMesh(): Promise<ServedMesh> {
  const fixture = createMeshFixture();
  const app = await startApp('v1');
  fixture.compileWithCli({ v1: '127.0.0.1:1', v2: '127.0.0.1:2', canary: [{ version: 'v1' }] });
  const server = startSidecarProcess(
    [...baseArgs(fixture, 'server'), '--app', `127.0.0.1:${app.port}`],
    fixture.dir,
  );
  const serverPorts = await server.ready();
  const shape: MeshShape = {
    v1: `127.0.0.1:${serverPorts.inbound}`,
    v2: '127.0.0.1:2',
    canary: [{ version: 'v1' }],
  };
  await fixture.compile(shape);
  return { fixture, app, server, shape };
}

export interface HeldRequest {
  /** The client's answer, once released. */
  readonly reply: Promise<Reply>;
  /** Lets the app answer. */
  release(): void;
  /** Releases, and gives the app its own handler back (for a finally block). */
  restore(): void;
}

/**
 * Sends GET `path` to server through the client sidecar's outbound port and holds it at the app, so
 * the sidecar has a request in flight; resolves once the app has it.
 */
export async function holdRequest(app: TestApp, outboundPort: number, path: string): Promise<HeldRequest> {
  let release = () => undefined as void;
  const held = new Promise<void>((resolve) => (release = resolve));
  const answer = app.handler;
  app.handler = (req, res) => void held.then(() => answer(req, res));
  const before = app.seen.length;
  const reply = send(outboundPort, { host: 'server', path });
  while (app.seen.length === before) await new Promise((resolve) => setTimeout(resolve, 10));
  return {
    reply,
    release,
    restore() {
      release();
      app.handler = answer;
    },
  };
}
