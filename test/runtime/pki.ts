// A real PKI for TLS tests, made with the compiler's own CA functions: a root per trust domain and
// workload certificates carrying `spiffe://<td>/<service>` URI SANs. Tests may import compiler code.
import { createRootCa } from '../../compiler/pki/ca.js';
import { issueWorkloadCertificate } from '../../compiler/pki/issue.js';
import { loadIssuingCa } from '../../compiler/pki/issuing-ca.js';

export interface TestPki {
  readonly rootPem: string;
  issue(service: string): Promise<{ cert: string; key: string }>;
}

export async function createTestPki(trustDomain: string): Promise<TestPki> {
  const now = Date.now();
  const root = await createRootCa({ trustDomain, keyType: 'ecdsa', now });
  const ca = await loadIssuingCa({ label: 'test', certPem: root.certPem, keyPem: root.keyPem }, now);
  return {
    rootPem: root.certPem,
    async issue(service) {
      const issued = await issueWorkloadCertificate({ ca, trustDomain, service, keyType: 'ecdsa', now });
      return { cert: issued.certPem, key: issued.keyPem };
    },
  };
}
