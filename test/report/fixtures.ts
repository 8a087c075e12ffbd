// Specs for the report tests: the example shop read from disk, and small meshes that put a denied
// call, a `*` rule, a default allow and an even split side by side.
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MESH_YAML } from '../compile/helpers.js';

export const SHOP_DIR = fileURLToPath(new URL('../../examples/shop', import.meta.url));

/** examples/shop as spec files (path -> text), the trust root left to specFrom. */
export function shopFiles(): Record<string, string> {
  const files: Record<string, string> = { 'mesh.yaml': readFileSync(`${SHOP_DIR}/mesh.yaml`, 'utf8') };
  for (const name of readdirSync(`${SHOP_DIR}/services`).sort()) {
    files[`services/${name}`] = readFileSync(`${SHOP_DIR}/services/${name}`, 'utf8');
  }
  return files;
}

/** `file:line` of the first line of `files[file]` containing `needle` (fails loudly when absent). */
export function lineOf(files: Record<string, string>, file: string, needle: string): string {
  const index = (files[file] ?? '').split('\n').findIndex((l) => l.includes(needle));
  if (index < 0) throw new Error(`fixture: "${needle}" not in ${file}`);
  return `${file}:${index + 1}`;
}

/**
 * web calls admin, api and stats; ops calls admin and api. api admits web only (GET /api/*), admin
 * admits ops only (POST /admin), stats admits `*` on /metrics: so web -> admin and ops -> api are
 * denied, the other three admitted. api has three versions and no routes (an even split); stats
 * shifts 75/25 between blue and green, and pins testers to blue (green at weight 0).
 */
export const ACCESS_FILES: Record<string, string> = {
  'mesh.yaml': MESH_YAML,
  'services/web.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: web }
spec:
  port: 8080
  endpoints: ["10.0.0.1:15006"]
  calls: [api, admin, stats]
  authorization:
    default: allow
`,
  'services/api.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: api }
spec:
  port: 8080
  versions:
    v1: { endpoints: ["10.0.1.1:15006"] }
    v2: { endpoints: ["10.0.1.2:15006"] }
    v3: { endpoints: ["10.0.1.3:15006"] }
  authorization:
    default: deny
    allow:
      - from: [web]
        methods: [GET]
        paths: ["/api/*"]
`,
  'services/admin.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: admin }
spec:
  port: 8080
  endpoints: ["10.0.2.1:15006"]
  authorization:
    default: deny
    allow:
      - from: [ops]
        methods: [POST]
        paths: [/admin]
`,
  'services/stats.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: stats }
spec:
  port: 8080
  versions:
    blue: { endpoints: ["10.0.3.1:15006"] }
    green: { endpoints: ["10.0.3.2:15006"] }
  routes:
    - name: pinned
      match: { headers: { x-tester: { present: true } } }
      backends: [{ version: blue, weight: 100 }, { version: green, weight: 0 }]
    - name: shift
      backends: [{ version: blue, weight: 75 }, { version: green, weight: 25 }]
  authorization:
    default: deny
    allow:
      - from: ["*"]
        paths: [/metrics]
`,
  'services/ops.yaml': `apiVersion: meshc/v1
kind: Service
metadata: { name: ops }
spec:
  port: 8080
  endpoints: ["10.0.4.1:15006"]
  calls: [admin, api]
`,
};
