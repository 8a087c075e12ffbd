// Generates a synthetic mesh spec for benchmarks and scale tests: N services, one file per service,
// each calling `calls` others, with `versions` versions and `routes` routes, all valid and admitted.

export interface GeneratedFile {
  readonly path: string;
  readonly text: string;
}

export interface GenerateMeshOptions {
  readonly services: number;
  readonly calls?: number;
  readonly versions?: number;
  readonly routes?: number;
  /** PEM of a CA certificate, written as pki/root.pem (validation parses it). */
  readonly rootPem: string;
}

export function serviceName(i: number): string {
  return `svc-${String(i).padStart(5, '0')}`;
}

/** Deterministic: the same options give the same files, byte for byte. */
export function generateMesh(opts: GenerateMeshOptions): GeneratedFile[] {
  const n = opts.services;
  const calls = Math.min(opts.calls ?? 5, n - 1);
  const versions = opts.versions ?? 3;
  const routes = Math.max(1, Math.min(opts.routes ?? 4, 4));
  const files: GeneratedFile[] = [
    { path: 'pki/root.pem', text: opts.rootPem },
    {
      path: 'mesh.yaml',
      text: [
        'apiVersion: meshc/v1',
        'kind: Mesh',
        'metadata: { name: bench }',
        'spec:',
        '  trustDomain: bench.local',
        '  mtls: strict',
        '  trust: { roots: [pki/root.pem] }',
        '  defaults: { timeout: 10s, retries: { attempts: 2, perTryTimeout: 2s } }',
        '',
      ].join('\n'),
    },
  ];
  for (let i = 0; i < n; i++) files.push({ path: `services/${serviceName(i)}.yaml`, text: serviceYaml(i) });
  return files;

  function serviceYaml(i: number): string {
    const name = serviceName(i);
    const out = [
      'apiVersion: meshc/v1',
      'kind: Service',
      `metadata: { name: ${name}, labels: { team: t${i % 50} } }`,
    ];
    out.push('spec:', '  protocol: http', '  port: 8080', '  versions:');
    for (let v = 1; v <= versions; v++) {
      const a = 1 + (i >> 8);
      const b = i & 0xff;
      out.push(`    v${v}: { endpoints: ["10.${a}.${b}.${v}:15006", "10.${a}.${b}.${v + 100}:15006"] }`);
    }
    const callees = Array.from({ length: calls }, (_, k) => serviceName((i + k + 1) % n));
    out.push(`  calls: [${callees.join(', ')}]`);
    const callers = Array.from({ length: calls }, (_, k) => serviceName((i - k - 1 + n) % n));
    out.push('  routes:');
    const all = [
      [
        '    - name: testers',
        '      match: { headers: { end-user: { exact: tester } } }',
        `      backends: [{ version: v${versions} }]`,
      ],
      [
        '    - name: api-reads',
        '      match: { path: { prefix: /api/ }, method: GET }',
        '      backends: [{ version: v1 }]',
        '      timeout: 2s',
        '      retries: { attempts: 3, perTryTimeout: 500ms }',
      ],
      [
        '    - name: health',
        '      match: { path: { exact: /healthz } }',
        '      backends: [{ version: v1 }]',
      ],
      ['    - name: canary', '      match: { path: { prefix: / } }', `      backends: ${split(versions)}`],
    ];
    for (const r of all.slice(4 - routes)) out.push(...r);
    out.push('  authorization:', '    default: deny', '    allow:');
    out.push(
      `      - from: [${callers.join(', ')}]`,
      '        methods: [GET, POST]',
      '        paths: ["/*"]',
    );
    return `${out.join('\n')}\n`;
  }
}

function split(versions: number): string {
  if (versions === 1) return '[{ version: v1 }]';
  const rest = Math.floor(20 / (versions - 1));
  const parts = [`{ version: v1, weight: ${100 - rest * (versions - 1)} }`];
  for (let v = 2; v <= versions; v++) parts.push(`{ version: v${v}, weight: ${rest} }`);
  return `[${parts.join(', ')}]`;
}
