// The Kubernetes manifests in examples/kubernetes: every file parses as YAML, every document is a
// Kubernetes object (apiVersion and kind), and every meshc container's arguments are accepted by the
// real option parser of the command it runs, so the examples cannot drift from the CLI.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { describe, expect, it } from 'vitest';
import { parseAllDocuments } from 'yaml';
import { COMMANDS } from '../../compiler/cli/registry.js';
import { repoRoot } from './run-generator.js';

const dir = join(repoRoot, 'examples/kubernetes');
const files = readdirSync(dir).filter((f) => /\.ya?ml$/.test(f));

interface Container {
  name: string;
  image: string;
  args?: string[];
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
});
