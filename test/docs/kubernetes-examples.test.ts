// The Kubernetes manifests in examples/kubernetes: every file parses as YAML, every document is a
// Kubernetes object (apiVersion and kind), and every meshc container's arguments are accepted by the
// real option parser of the command it runs, so the examples cannot drift from the CLI.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { COMMANDS } from '../../compiler/cli/registry.js';
import { metricsAddress, parseListenerFlag } from '../../runtime/sidecar-listeners.js';
import { makeTempDir } from '../helpers/spec-fixtures.js';
import { repoRoot } from './run-generator.js';

const dir = join(repoRoot, 'examples/kubernetes');
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  readinessProbe?: { httpGet?: { path: string; port: string | number }; exec?: unknown };
  command?: string[];
  volumeMounts?: { name: string; mountPath: string }[];
}
type K8sObject = Record<string, unknown> & { apiVersion?: unknown; kind?: unknown };

function objectsOf(file: string): K8sObject[] {
  const docs = parseAllDocuments(readFileSync(join(dir, file), 'utf8'));
  const errors = docs.flatMap((d) => d.errors.map((e) => `${file}: ${e.message}`));
  expect(errors).toEqual([]);
  return docs.map((d) => d.toJS() as K8sObject).filter((o) => o !== null);
}

/** The pod spec of a Deployment, Job or CronJob. */
function podSpecOf(object: K8sObject): Record<string, any> | undefined {
  const spec = object['spec'] as Record<string, any> | undefined;
  return spec?.['template']?.spec ?? spec?.['jobTemplate']?.spec?.template?.spec;
}

/** Every container and init container of a Deployment, Job or CronJob. */
function containersOf(object: K8sObject): Container[] {
  const pod = podSpecOf(object);
  return pod ? [...(pod.initContainers ?? []), ...(pod.containers ?? [])] : [];
}

describe('examples/kubernetes', () => {
  it('holds the manifests the operations guide describes', () => {
    expect(files).toEqual(
      expect.arrayContaining([
        'bundle-signing-configmap.yaml',
        'cert-renewal-cronjob.yaml',
        'publish-store-job.yaml',
        'reviews-v2.yaml',
        'store-nginx.yaml',
      ]),
    );
  });

  it.each(files)('%s parses and every document has apiVersion and kind', (file) => {
    const objects = objectsOf(file);
    expect(objects.length).toBeGreaterThan(0);
    for (const object of objects) {
      expect(typeof object.apiVersion, `${file}: apiVersion`).toBe('string');
      expect(typeof object.kind, `${file}: kind`).toBe('string');
      expect((object['metadata'] as { name?: string; generateName?: string }) ?? {}).toSatisfy(
        (m: { name?: string; generateName?: string }) => Boolean(m.name ?? m.generateName),
      );
    }
  });

  it("runs meshc only with options that meshc's own parser accepts", async () => {
    const runs = files
      .flatMap(objectsOf)
      .flatMap(containersOf)
      .filter((c) => c.image.includes('/meshc:') && c.args);
    expect(runs.map((c) => c.args![0]).sort()).toEqual(['certs', 'compile', 'proxy']);
    for (const { args } of runs) {
      const [name, ...rest] = args!;
      const entry = COMMANDS.find((c) => c.name === name);
      expect(entry, `meshc ${name}`).toBeDefined();
      const command = await entry!.load();
      // Kubernetes expands $(VAR) in args; any value stands in for it here.
      const expanded = rest.map((a) => a.replace(/\$\([A-Z_]+\)/g, 'pod-0'));
      const parsed = parseArgs({
        args: expanded,
        options: command.options,
        allowPositionals: true,
        strict: true,
      });
      expect(parsed.positionals.length).toBeLessThanOrEqual(command.maxPositionals);
    }
  });

  it('probes and scrapes the sidecar on its --metrics port, never through the admin listener', () => {
    const deployment = objectsOf('reviews-v2.yaml').find((o) => o.kind === 'Deployment')!;
    const proxy = containersOf(deployment).find((c) => c.args?.[0] === 'proxy')!;
    const flag = proxy.args!.find((a) => a.startsWith('--metrics='))!.slice('--metrics='.length);
    const parsed = parseListenerFlag(flag);
    expect(parsed).not.toHaveProperty('error');
    const bound = metricsAddress({ metrics: parsed as { port?: number } })!;
    expect(bound.host).toBe('0.0.0.0');
    const probe = proxy.readinessProbe!.httpGet!;
    const port = proxy.ports!.find((p) => p.name === probe.port || p.containerPort === probe.port);
    expect([probe.path, port?.containerPort]).toEqual(['/ready', bound.port]);
    const annotations = (deployment['spec'] as any).template.metadata.annotations;
    expect(annotations).toMatchObject({
      'prometheus.io/scrape': 'true',
      'prometheus.io/port': String(bound.port),
      'prometheus.io/path': '/metrics',
    });
  });

  it('mounts into pods only Secrets, ConfigMaps and claims the guide tells the operator to create or defines', () => {
    const defined = new Set(
      files.flatMap(objectsOf).map((o) => `${String(o.kind)}/${(o['metadata'] as { name: string }).name}`),
    );
    const guide = readFileSync(join(repoRoot, 'docs/operations.md'), 'utf8');
    const missing: string[] = [];
    for (const object of files.flatMap(objectsOf)) {
      for (const volume of podSpecOf(object)?.volumes ?? []) {
        const refs: [string, string | undefined][] = [
          ['Secret', volume.secret?.secretName],
          ['ConfigMap', volume.configMap?.name],
          ['PersistentVolumeClaim', volume.persistentVolumeClaim?.claimName],
          ...(volume.projected?.sources ?? []).map((s: any): [string, string] => ['Secret', s.secret?.name]),
        ];
        for (const [kind, name] of refs) {
          if (name && !defined.has(`${kind}/${name}`) && !guide.includes(name))
            missing.push(`${kind}/${name}`);
        }
      }
    }
    expect(missing).toEqual([]);
  });

  it("the certificate renewal's checkout runs as written, its volumes standing in as local directories", () => {
    const cronJob = objectsOf('cert-renewal-cronjob.yaml').find((o) => o.kind === 'CronJob')!;
    const checkout = containersOf(cronJob).find((c) => c.name === 'checkout')!;
    const [shell, flag, script] = checkout.command!;
    expect([shell, flag]).toEqual(['sh', '-c']);
    const temp = makeTempDir('meshc-renewal-');
    try {
      // The spec repository: any git repository does for the clone.
      const repo = join(temp.dir, 'repo');
      mkdirSync(repo);
      writeFileSync(join(repo, 'mesh.yaml'), 'kind: Mesh\n');
      const git = (...args: string[]) =>
        spawnSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: repo });
      git('init', '-q');
      git('add', '.');
      expect(git('commit', '-qm', 'spec').status).toBe(0);
      // The mounted Secrets: one service's certificate and key.
      const local = (mountPath: string) => join(temp.dir, 'mounts', mountPath);
      for (const mount of checkout.volumeMounts!) mkdirSync(local(mount.mountPath), { recursive: true });
      writeFileSync(join(local('/current'), 'reviews.crt'), 'crt');
      writeFileSync(join(local('/current'), 'reviews.key'), 'key');
      let localScript = script!;
      for (const mount of checkout.volumeMounts!)
        localScript = localScript.replaceAll(mount.mountPath, local(mount.mountPath));
      const run = spawnSync('sh', ['-c', localScript], {
        encoding: 'utf8',
        env: { ...process.env, REPO_URL: `file://${repo}` },
      });
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      expect(existsSync(join(local('/workspace'), 'spec/mesh.yaml'))).toBe(true);
      expect(readdirSync(join(local('/workspace'), 'certs')).sort()).toEqual(['reviews.crt', 'reviews.key']);
    } finally {
      temp.cleanup();
    }
  });
});
