// `meshc certs issue` (workload certificates for named services, or --all) and `meshc certs renew`
// (re-issue those past half their lifetime). The work is in compiler/pki/certs-ops.ts.
import { optionalFlag, pkiEnvOf, requireFlag } from '../../pki/command-env.js';
import { parseKeyType } from '../../pki/keys.js';
import { UsageError } from '../errors.js';
import { refuseSiblingOptions, type SubcommandOption } from '../subcommand-options.js';
import type { Command } from '../types.js';

/** Options of `certs issue` that renew has no use for: refused there, not ignored. */
const ISSUE_ONLY: Record<string, SubcommandOption> = {
  all: { takenBy: ['issue'], otherwise: 'renew always checks every service of the spec' },
  force: {
    takenBy: ['issue'],
    otherwise:
      'renew re-issues what is due (to replace every certificate now: meshc certs issue --all --force)',
  },
};

export const certsCommand: Command = {
  name: 'certs',
  summary: 'Issue and renew workload certificates (SPIFFE X.509-SVIDs)',
  synopsis:
    'meshc certs issue SERVICE... | --all --ca DIR --spec PATH --out DIR [--ttl 24h] [--key-type ecdsa|rsa] [--force]\n' +
    'meshc certs renew --ca DIR --spec PATH --out DIR [--ttl 24h] [--key-type ecdsa|rsa]',
  help: `issue writes OUT/<service>.crt (the certificate, then the CA's intermediates) and
OUT/<service>.key (mode 0600) for each service, with URI SAN spiffe://<trustDomain>/<service> and
DNS SAN <service>, usable for TLS server and client auth. The trust domain and the services come from
the spec. renew re-issues the certificates in OUT that are past half their lifetime (or expired)
and leaves the rest; it refuses certificates of another CA, trust domain or service. A service
without a certificate in OUT is reported, not issued; an OUT with none at all is refused.

Options:
  --ca DIR          the issuing CA directory (ca.crt + ca.key, or root.crt + root.key)
  --spec PATH       the spec directory or file
  --out DIR         where the certificates are
  --all             every service of the spec (issue)
  --ttl D           lifetime; trust.workloadTtl of the spec, else 24h (over 7d warns, MC4004)
  --key-type TYPE   ecdsa (P-256, default) or rsa; renew keeps the current type by default
  --force           replace existing files (issue)
  -h, --help        show this help

Nothing is written unless every certificate of the command was made.

Exit status:
  0  every certificate asked for was written (renew: or was not yet due)
  2  usage error, a spec that cannot be read or has errors, an unreadable or unusable CA, a
     certificate of another CA, trust domain or service, a file that exists (without --force)
     or cannot be written, or (renew) an OUT that does not exist or holds no certificate of
     the spec; nothing was written
  70 internal error`,
  options: {
    ca: { type: 'string' },
    spec: { type: 'string' },
    out: { type: 'string' },
    all: { type: 'boolean' },
    ttl: { type: 'string' },
    'key-type': { type: 'string' },
    force: { type: 'boolean' },
  },
  maxPositionals: 10_000,
  async run({ values, positionals }, ctx) {
    const env = pkiEnvOf(ctx.io);
    const [sub, ...services] = positionals;
    // The subcommand first: `meshc certs` alone said "--ca is required".
    if (sub !== 'issue' && sub !== 'renew') {
      throw new UsageError(
        sub ? `unknown certs subcommand "${sub}"` : 'missing certs subcommand: issue or renew',
      );
    }
    refuseSiblingOptions('certs', sub, values, ISSUE_ONLY);
    const keyTypeFlag = optionalFlag(values['key-type']);
    const ttl = optionalFlag(values.ttl);
    const common = {
      caDir: requireFlag(values.ca, '--ca'),
      specPath: requireFlag(values.spec, '--spec'),
      out: requireFlag(values.out, '--out'),
      ...(ttl !== undefined ? { ttl } : {}),
    };
    // Loaded on use: the certificate generator costs ~0.2-0.4 s to import, which no other command pays.
    const { issueCerts, renewCerts } = await import('../../pki/certs-ops.js');
    switch (sub) {
      case 'issue':
        await issueCerts(
          {
            ...common,
            services,
            all: values.all === true,
            keyType: parseKeyType(keyTypeFlag ?? 'ecdsa'),
            force: values.force === true,
          },
          env,
        );
        return 0;
      case 'renew':
        if (services.length > 0)
          throw new UsageError('certs renew takes no service names: it checks every service');
        await renewCerts({ ...common, ...(keyTypeFlag ? { keyType: parseKeyType(keyTypeFlag) } : {}) }, env);
        return 0;
    }
  },
};
