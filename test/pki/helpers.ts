// Shared test fixtures for the PKI tests: CAs and certificates made in memory with an injected clock,
// temp directories, openssl discovery, and a real mutual-TLS handshake on 127.0.0.1 port 0.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { connect, createServer, type TLSSocket } from 'node:tls';
import { type CreatedCa, createIntermediateCa, createRootCa } from '../../compiler/pki/ca.js';
import { type IssuedCertificate, issueWorkloadCertificate } from '../../compiler/pki/issue.js';
import { type IssuingCa, loadIssuingCa } from '../../compiler/pki/issuing-ca.js';
import type { KeyType } from '../../compiler/pki/keys.js';
import { checkSpiffeServerIdentity, peerSpiffeId } from '../../runtime/identity/peer-id.js';

export const TD = 'shop.local';
export const HOUR = 3_600_000;
export const DAY = 24 * HOUR;

export interface TestPki {
  readonly root: CreatedCa;
  /** The intermediate that issues workload certificates. */
  readonly ca: IssuingCa;
  issue(
    service: string,
    opts?: { now?: number; ttlMs?: number; keyType?: KeyType },
  ): Promise<IssuedCertificate>;
}

/** A root and an intermediate under it, made at `now`. */
export async function makePki(keyType: KeyType, now = Date.now(), trustDomain = TD): Promise<TestPki> {
  const root = await createRootCa({ trustDomain, keyType, now: now - DAY });
  const rootCa = await loadIssuingCa({ label: 'root', certPem: root.certPem, keyPem: root.keyPem }, now);
  const inter = await createIntermediateCa({ parent: rootCa, keyType, now: now - DAY });
  const ca = await loadIssuingCa(
    { label: 'intermediate', certPem: inter.certPem, keyPem: inter.keyPem, rootPem: root.certPem },
    now,
  );
  return {
    root,
    ca,
    issue: (service, opts = {}) =>
      issueWorkloadCertificate({
        ca,
        trustDomain,
        service,
        keyType: opts.keyType ?? keyType,
        now: opts.now ?? now,
        ...(opts.ttlMs !== undefined ? { ttlMs: opts.ttlMs } : {}),
      }),
  };
}

/** A fresh temp directory and a function that removes it. */
export function makeTempDir(prefix = 'meshc-pki-'): { dir: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export const OPENSSL = '/usr/bin/openssl';
export const hasOpenssl = existsSync(OPENSSL);
if (!hasOpenssl) console.warn(`openssl tests skipped: ${OPENSSL} not found (apt-get install openssl)`);

export function openssl(args: readonly string[], cwd?: string): string {
  return execFileSync(OPENSSL, [...args], { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface Endpoint {
  readonly cert: string;
  readonly key: string;
  /** Trusted roots (PEM); several during a rotation. */
  readonly roots: readonly string[];
}

export type HandshakeResult =
  | { ok: true; serverSawPeer: string; clientSawServer: string }
  | { ok: false; clientError: string; serverAccepted: boolean };

/**
 * One mutual-TLS exchange over a real socket: the server sends back the SPIFFE id it read from the
 * client's certificate; the client checks the server's SPIFFE id against `expectServer`.
 */
export async function handshake(
  server: Endpoint,
  client: Endpoint,
  expectServer: string,
): Promise<HandshakeResult> {
  let serverAccepted = false;
  const srv = createServer(
    {
      cert: server.cert,
      key: server.key,
      ca: [...server.roots],
      requestCert: true,
      rejectUnauthorized: true,
    },
    // Reached only for an authorized client: with rejectUnauthorized node drops the others silently.
    (socket: TLSSocket) => {
      serverAccepted = true;
      socket.end(peerSpiffeId(socket).uri);
    },
  );
  await new Promise<void>((resolve) => srv.listen(0, '127.0.0.1', resolve));
  const { port } = srv.address() as AddressInfo;
  try {
    return await new Promise<HandshakeResult>((done) => {
      let clientSawServer = '';
      let data = '';
      const socket = connect({
        host: '127.0.0.1',
        port,
        cert: client.cert,
        key: client.key,
        ca: [...client.roots],
        checkServerIdentity: checkSpiffeServerIdentity(expectServer),
      });
      const resolve = (result: HandshakeResult) => {
        socket.destroy();
        done(result);
      };
      socket.setEncoding('utf8');
      socket.on('secureConnect', () => {
        clientSawServer = peerSpiffeId(socket).uri;
      });
      socket.on('data', (chunk: string) => {
        data += chunk;
      });
      socket.on('end', () => {
        if (data) resolve({ ok: true, serverSawPeer: data, clientSawServer });
        else resolve({ ok: false, clientError: 'connection closed without a reply', serverAccepted });
      });
      socket.on('error', (err) => resolve({ ok: false, clientError: err.message, serverAccepted }));
    });
  } finally {
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
}
