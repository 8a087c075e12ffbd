// bench/pki: issuing workload certificates. In memory: N certificates (fresh key each, as `meshc certs
// issue --all` does, eight in flight) under an intermediate of the same key type, for ECDSA P-256
// and RSA-2048. End to end: `meshc certs issue --all` on a generated 1,000-service spec, files
// written. Each figure is the median of fresh child processes. Target: 1,000 P-256 in ≤ 10 s.
// RSA-2048 key generation costs ~0.3-0.6 s per key, so RSA runs fewer certificates by default and the
// 1,000 figure is projected (MESHC_BENCH_RSA_COUNT=1000 measures it, in minutes).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createIntermediateCa, createRootCa } from '../compiler/pki/ca.js';
import { issueCerts } from '../compiler/pki/certs-ops.js';
import { issueWorkloadCertificate } from '../compiler/pki/issue.js';
import { loadIssuingCa } from '../compiler/pki/issuing-ca.js';
import type { KeyType } from '../compiler/pki/keys.js';
import { cryptoRandom } from '../compiler/pki/serial.js';
import { machineDetails, measureInChild, median, reportSample } from './lib/measure.js';
import { writeGeneratedMesh } from './lib/mesh-on-disk.js';

const self = fileURLToPath(import.meta.url);
const TD = 'bench.local';

async function makeCa(keyType: KeyType, now: number) {
  const root = await createRootCa({ trustDomain: TD, keyType, now });
  const rootCa = await loadIssuingCa({ label: 'root', certPem: root.certPem, keyPem: root.keyPem }, now);
  const inter = await createIntermediateCa({ parent: rootCa, keyType, now });
  return { root, inter };
}

async function child(kind: string, count: number, dir: string | undefined): Promise<void> {
  const now = Date.now();
  if (kind === 'cli') {
    // The CA is set up outside the measured span: `certs issue` is what runs every day.
    const { root, inter } = await makeCa('ecdsa', now);
    await mkdir(join(dir!, 'ca'), { recursive: true });
    await writeFile(join(dir!, 'ca', 'ca.crt'), inter.certPem);
    await writeFile(join(dir!, 'ca', 'ca.key'), inter.keyPem, { mode: 0o600 });
    await writeFile(join(dir!, 'ca', 'root.crt'), root.certPem);
    const started = performance.now();
    const env = { now: () => now, random: cryptoRandom, print: () => {}, warn: () => {}, cwd: dir! };
    await issueCerts(
      {
        caDir: 'ca',
        specPath: 'spec',
        out: 'certs',
        services: [],
        all: true,
        keyType: 'ecdsa',
        force: false,
      },
      env,
    );
    reportSample(started);
    return;
  }
  const keyType = kind as KeyType;
  const { root, inter } = await makeCa(keyType, now);
  const ca = await loadIssuingCa(
    { label: 'ca', certPem: inter.certPem, keyPem: inter.keyPem, rootPem: root.certPem },
    now,
  );
  const started = performance.now();
  // Eight in flight, as `meshc certs issue --all` runs them.
  let next = 0;
  let issued = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      await issueWorkloadCertificate({ ca, trustDomain: TD, service: `svc-${i}`, keyType, now });
      issued++;
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  if (issued !== count) throw new Error('lost certificates');
  reportSample(started);
}

interface Figure {
  readonly label: string;
  readonly count: number;
  readonly ms: number;
}

async function measure(label: string, args: string[], count: number, repeat: number): Promise<Figure> {
  const runs: number[] = [];
  for (let i = 0; i < repeat; i++) runs.push((await measureInChild(self, args)).ms);
  return { label, count, ms: median(runs) };
}

async function main(): Promise<void> {
  const repeat = Number(process.env.MESHC_BENCH_REPEAT ?? 3);
  const ecCount = Number(process.env.MESHC_BENCH_EC_COUNT ?? 1000);
  const rsaCount = Number(process.env.MESHC_BENCH_RSA_COUNT ?? 50);
  console.log(`bench/pki on ${machineDetails()}; median of ${repeat} runs`);
  const figures: Figure[] = [
    await measure('ECDSA P-256, in memory', ['ecdsa', String(ecCount)], ecCount, repeat),
  ];
  const dir = await mkdtemp(join(tmpdir(), 'meshc-bench-pki-'));
  try {
    await writeGeneratedMesh(join(dir, 'spec'), 1000);
    const runs: number[] = [];
    for (let i = 0; i < repeat; i++) {
      await rm(join(dir, 'certs'), { recursive: true, force: true });
      await rm(join(dir, 'ca'), { recursive: true, force: true });
      runs.push((await measureInChild(self, ['cli', '1000', dir])).ms);
    }
    figures.push({
      label: 'ECDSA P-256, `certs issue --all` (spec load + files)',
      count: 1000,
      ms: median(runs),
    });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  figures.push(await measure('RSA-2048, in memory', ['rsa', String(rsaCount)], rsaCount, repeat));
  console.log('| what | certificates | ms | ms / certificate | projected for 1,000 |');
  console.log('|---|---:|---:|---:|---:|');
  for (const f of figures) {
    const perMs = f.ms / f.count;
    const thousandS = (perMs * 1000) / 1000; // ms per certificate × 1,000 certificates, in seconds
    console.log(
      `| ${f.label} | ${f.count} | ${f.ms.toFixed(0)} | ${perMs.toFixed(2)} | ${thousandS.toFixed(1)} s |`,
    );
  }
  const ecS = figures[0]!.ms / figures[0]!.count; // seconds for 1,000
  console.log(
    `\nTarget: 1,000 P-256 certificates in ≤ 10 s: ${ecS <= 10 ? 'met' : 'MISSED'} (${ecS.toFixed(1)} s)`,
  );
}

if (process.argv[2] === '--child') {
  await child(process.argv[3]!, Number(process.argv[4]), process.argv[5]);
} else if (process.argv[1] === self) {
  await main();
}
