// Test helpers for the compile stages: a ValidSpec built from YAML text with the real loader and
// validator (so provenance lines are real and fixtures provably valid), a small reference mesh,
// and an Ed25519 key derived from a fixed seed (reproducible signed stores, no key file in git).
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseSpecFiles } from '../../compiler/load/parse-spec-files.js';
import { validateSpec } from '../../compiler/validate/index.js';
import type { ValidSpec } from '../../compiler/validate/types.js';

/** The example shop's CA root: a real certificate, as validation demands. */
export const ROOT_PEM = readFileSync(new URL('../../examples/shop/pki/root.pem', import.meta.url), 'utf8');

/** A fixed clock inside the root's validity, so certificate lint never depends on the date. */
export const FIXED_NOW = Date.parse('2027-06-01T00:00:00Z');

/** A ValidSpec from spec files through the real loader and validator; any error fails the test. */
export function specFrom(files: Record<string, string>, rootPem = ROOT_PEM): ValidSpec {
  const parsed = parseSpecFiles(
    Object.entries(files).map(([path, text]) => ({
      path,
      bytes: new TextEncoder().encode(text),
    })),
  );
  const result = validateSpec({
    documents: parsed.documents,
    assets: new Map([['pki/root.pem', new TextEncoder().encode(rootPem)]]),
    now: FIXED_NOW,
  });
  const problems = [...parsed.diagnostics, ...result.diagnostics].filter((d) => d.severity === 'error');
  if (problems.length > 0 || !result.spec) {
    throw new Error(
      `fixture is not valid:\n${problems.map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`).join('\n')}`,
    );
  }
  return result.spec;
}

export const MESH_YAML = `apiVersion: meshc/v1
kind: Mesh
metadata: { name: shop }
spec:
  trustDomain: shop.local
  trust: { roots: [pki/root.pem] }
`;

/** A small mesh in the shape of DESIGN §3: productpage -> reviews -> ratings, details on its own. */
export const SHOP_FILES: Record<string, string> = {
  'mesh.yaml': MESH_YAML,
  'services/productpage.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: productpage }
spec:
  port: 9080
  endpoints: ["10.0.0.1:15006"]
  calls: [reviews, details]
`,
  'services/details.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: details }
spec:
  port: 9080
  versions:
    v2: { endpoints: ["10.0.2.2:15006"] }
    v1: { endpoints: ["10.0.2.1:15006", "[fd00::1]:15006"] }
    v3: { endpoints: ["dns:details-v3.shop.svc:15006"] }
  authorization:
    allow:
      - from: [productpage]
`,
  'services/reviews.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: reviews, labels: { team: reviews } }
spec:
  protocol: http
  port: 9080
  versions:
    v1: { endpoints: ["10.0.1.5:15006"] }
    v2: { endpoints: ["dns:reviews-v2.shop.svc.cluster.local:15006"] }
  calls: [ratings]
  timeout: 10s
  retries: { attempts: 1, on: [5xx] }
  loadBalancer: { policy: ring-hash, hashOn: { header: X-User } }
  circuitBreaker: { maxRequests: 256 }
  routes:
    - name: testers
      match: { headers: { End-User: { exact: jason } } }
      backends: [{ version: v2 }]
    - name: dark
      match: { path: { exact: /dark }, query: { Beta: { present: false } } }
      backends: [{ version: v1, weight: 0 }, { version: v2, weight: 100 }]
    - name: canary
      match: { path: { prefix: / }, method: GET }
      backends: [{ version: v1, weight: 90 }, { version: v2, weight: 10 }]
      timeout: 2s
      retries: { attempts: 3, perTryTimeout: 500ms, backoff: { max: 1s } }
      fault: { delay: { percent: 5, duration: 1.5s }, abort: { percent: 1, status: 503 } }
      headers: { request: { set: { X-Canary: "1" } }, response: { remove: [Server] } }
      mirror: { version: v2, percent: 5 }
  authorization:
    default: deny
    allow:
      - from: [productpage]
        methods: [GET]
        paths: ["/reviews/*", "/health"]
      - from: ["*"]
        paths: ["/metrics"]
`,
  'services/ratings.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: ratings }
spec:
  protocol: tcp
  port: 6379
  endpoints: ["10.0.3.1:15006"]
`,
};

/** Ed25519 private key from a fixed 32-byte seed: same key every run, nothing secret on disk. */
export function testSigningKey(seedByte = 7): KeyObject {
  const prefix = Buffer.from('302e020100300506032b657004220420', 'hex');
  const der = Buffer.concat([prefix, Buffer.alloc(32, seedByte)]);
  return createPrivateKey({ key: der, format: 'der', type: 'pkcs8' });
}

export function publicKeyOf(key: KeyObject): KeyObject {
  return createPublicKey(key);
}

/** `files` with the first `from` in `path` replaced by `to`; throws when `from` is not there. */
export function edit(
  files: Record<string, string>,
  path: string,
  from: string,
  to: string,
): Record<string, string> {
  const text = files[path] ?? '';
  if (!text.includes(from)) throw new Error(`${path} has no ${from}`);
  return { ...files, [path]: text.replace(from, to) };
}
