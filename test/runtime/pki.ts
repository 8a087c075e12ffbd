// A real PKI for TLS tests, made with the compiler's own CA functions: a root per trust domain and
// workload certificates carrying `spiffe://<td>/<service>` URI SANs. Tests may import compiler code.
import { createRootCa } from '../../compiler/pki/ca.js';
import { issueWorkloadCertificate } from '../../compiler/pki/issue.js';
import { loadIssuingCa } from '../../compiler/pki/issuing-ca.js';
import { generateWorkloadKeyPair } from '../../compiler/pki/keys.js';
import { x509 } from '../../compiler/pki/x509.js';

export interface TestPki {
  readonly rootPem: string;
  issue(service: string): Promise<{ cert: string; key: string }>;
  /**
   * A client+server certificate from the same root naming exactly `uris` (SPIFFE ids or not), valid
   * for the hour ahead unless `validity` says otherwise (epoch ms).
   */
  issueNaming(
    uris: readonly string[],
    validity?: { notBefore: number; notAfter: number },
  ): Promise<{ cert: string; key: string }>;
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
    async issueNaming(uris, validity = { notBefore: now - 60_000, notAfter: now + 3_600_000 }) {
      const keys = await generateWorkloadKeyPair('ecdsa');
      const cert = await x509.X509CertificateGenerator.create({
        serialNumber: '0badc0de',
        subject: 'CN=odd',
        issuer: ca.cert.subjectName,
        notBefore: new Date(validity.notBefore),
        notAfter: new Date(validity.notAfter),
        signingAlgorithm: ca.key.signingAlgorithm,
        publicKey: keys.spki,
        signingKey: ca.key.privateKey,
        extensions: [
          new x509.BasicConstraintsExtension(false, undefined, true),
          new x509.ExtendedKeyUsageExtension([
            x509.ExtendedKeyUsage.serverAuth,
            x509.ExtendedKeyUsage.clientAuth,
          ]),
          ...(uris.length > 0
            ? [
                new x509.SubjectAlternativeNameExtension(
                  uris.map((value) => ({ type: 'url' as const, value })),
                ),
              ]
            : [new x509.SubjectAlternativeNameExtension([{ type: 'dns', value: 'odd' }])]),
        ],
      });
      return { cert: cert.toString('pem'), key: keys.privateKeyPem };
    },
  };
}
