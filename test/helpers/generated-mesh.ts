// A synthetic mesh of any size for the scale tests, built as a ValidSpec (no YAML): service i
// calls the next `fanOut` services (wrapping around), has 3 versions (static, DNS, static) and 4
// routes using header, path, method and query matches, weights, retries, faults, header
// mutations and a mirror; its authorization admits exactly its callers.
import { outlineOf } from '../../compiler/load/outline.js';
import type { SpecDocument } from '../../compiler/load/types.js';
import type { ValidSpec } from '../../compiler/validate/types.js';
import type { MeshDocument, ServiceDocument } from '../../schema/mesh.types.generated.js';
import { ROOT_PEM } from '../compile/helpers.js';

function fakeSource(file: string, value: unknown): SpecDocument {
  const at = () => ({ file, line: 1, col: 1 });
  // No bytes behind a synthetic document: its value stands for them.
  const digest = () => JSON.stringify(value);
  return { file, index: 0, value, locate: at, locateKey: at, digest };
}

export function serviceName(i: number): string {
  return `svc-${String(i).padStart(5, '0')}`;
}

function address(i: number, version: number): string {
  return `10.${version}.${(i >> 8) & 255}.${i & 255}:15006`;
}

export function generateMesh(size: number, fanOut = 5): ValidSpec {
  const mesh: MeshDocument = {
    apiVersion: 'meshc/v1',
    kind: 'Mesh',
    metadata: { name: 'big' },
    spec: { trustDomain: 'big.local', trust: { roots: ['root.pem'] } },
  };
  const services = Array.from({ length: size }, (_, i) => {
    const name = serviceName(i);
    const callers = Array.from({ length: fanOut }, (_, k) => serviceName((i - k - 1 + size) % size)) as [
      string,
      ...string[],
    ];
    const doc: ServiceDocument = {
      apiVersion: 'meshc/v1',
      kind: 'Service',
      metadata: { name },
      spec: {
        port: 8080,
        versions: {
          v1: { endpoints: [address(i, 1)] },
          v2: { endpoints: [`dns:${name}-v2.big.svc:15006`] },
          v3: { endpoints: [address(i, 3)] },
        },
        calls: Array.from({ length: fanOut }, (_, k) => serviceName((i + k + 1) % size)),
        loadBalancer:
          i % 2 === 0 ? { policy: 'ring-hash', hashOn: { header: 'x-user' } } : { policy: 'round-robin' },
        routes: [
          {
            name: 'testers',
            match: { headers: { 'end-user': { exact: 'jason' } } },
            backends: [{ version: 'v2' }],
          },
          {
            name: 'api',
            match: {
              path: { regex: '/api/v[0-9]+/items/[0-9]+' },
              method: 'GET',
              query: { debug: { present: true } },
            },
            backends: [
              { version: 'v1', weight: 60 },
              { version: 'v2', weight: 30 },
              { version: 'v3', weight: 10 },
            ],
            timeout: '2s',
            retries: { attempts: 3, perTryTimeout: '500ms', on: ['5xx', 'reset'] },
            fault: { delay: { percent: 1, duration: '100ms' }, abort: { percent: 0.5, status: 503 } },
          },
          {
            name: 'static',
            match: { path: { prefix: '/static/' } },
            backends: [{ version: 'v1' }],
            headers: {
              response: { set: { 'cache-control': 'max-age=60' } },
              request: { remove: ['x-debug'] },
            },
            mirror: { version: 'v3', percent: 5 },
          },
          {
            name: 'default',
            backends: [
              { version: 'v1', weight: 90 },
              { version: 'v2', weight: 10 },
            ],
          },
        ],
        authorization: {
          allow: [{ from: callers, methods: ['GET', 'POST'], paths: ['/api/*', '/static/*'] }],
        },
      },
    };
    return { doc, outline: outlineOf(doc)!, source: fakeSource(`services/${name}.yaml`, doc) };
  });
  return {
    mesh: { doc: mesh, source: fakeSource('mesh.yaml', mesh) },
    services,
    assets: new Map([['root.pem', new TextEncoder().encode(ROOT_PEM)]]),
  };
}
