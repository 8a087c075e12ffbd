// Regenerates the certificates of examples/invalid/MC400x (certificate lint examples) with meshc's own
// PKI code: run `npm run build && node scripts/gen-cert-examples.mjs`. Only certificates are written;
// the keys are thrown away. Validity windows are fixed far in the past or until 9999, so the examples
// give the same diagnostics whatever the date (MC4002 and MC4005 depend on the clock: no example).
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createIntermediateCa, createRootCa } from '../dist/compiler/pki/ca.js';
import { issueWorkloadCertificate } from '../dist/compiler/pki/issue.js';
import { loadIssuingCa } from '../dist/compiler/pki/issuing-ca.js';

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', 'examples', 'invalid');
const BACKDATE = 60_000;
const Y2000 = Date.UTC(2000, 0, 1) + BACKDATE;
const Y2001 = Date.UTC(2001, 0, 1);
const Y9999 = Date.UTC(9999, 11, 31, 23, 59, 59);
const trustDomain = 'shop.local';

async function write(path, pem) {
  await mkdir(dirname(join(examples, path)), { recursive: true });
  await writeFile(join(examples, path), pem);
}

// MC4001: a root that expired on 2001-01-01.
const expired = await createRootCa({ trustDomain, keyType: 'ecdsa', now: Y2000, validityMs: Y2001 - Y2000 });
await write('MC4001/pki/root.pem', expired.certPem);

// MC4003: a workload certificate (valid until 9999) listed as a trust root.
const forever = await createRootCa({ trustDomain, keyType: 'ecdsa', now: Y2000, validityMs: Y9999 - Y2000 });
const ca = await loadIssuingCa(
  { label: 'example root', certPem: forever.certPem, keyPem: forever.keyPem },
  Y2000,
);
const leaf = await issueWorkloadCertificate({
  ca,
  trustDomain,
  service: 'reviews',
  keyType: 'ecdsa',
  now: Y2000,
  ttlMs: Y9999 - Y2000,
});
await write('MC4003/pki/reviews.pem', leaf.certPem);

// MC4004: a sound root (valid until 9999); the problem is the workload TTL in mesh.yaml.
await write('MC4004/pki/root.pem', forever.certPem);

// MC4006: an intermediate (valid until 9999) listed alone, without the root it chains to.
const intermediate = await createIntermediateCa({
  parent: ca,
  keyType: 'ecdsa',
  now: Y2000,
  validityMs: Y9999 - Y2000,
});
await write('MC4006/pki/issuing.pem', intermediate.certPem);
