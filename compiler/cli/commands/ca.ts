// `meshc ca init` (a root CA) and `meshc ca intermediate` (an issuing CA under it). Argument
// handling only; the work is in compiler/pki/ca-ops.ts.
import { optionalFlag, pkiEnvOf, requireFlag } from '../../pki/command-env.js';
import { parseCaValidity } from '../../pki/duration.js';
import { parseKeyType } from '../../pki/keys.js';
import { UsageError } from '../errors.js';
import { refuseSiblingOptions, type SubcommandOption } from '../subcommand-options.js';
import type { Command } from '../types.js';

/** `ca init --root DIR` read as "an intermediate under DIR" made an unrelated root: refused. */
const INTERMEDIATE_ONLY: Record<string, SubcommandOption> = {
  root: {
    takenBy: ['intermediate'],
    otherwise:
      'ca init makes a new self-signed root (an issuing CA under DIR: meshc ca intermediate --root DIR --out DIR)',
  },
};

export const caCommand: Command = {
  name: 'ca',
  summary: 'Create the mesh CA: a root, and intermediates that issue workload certificates',
  synopsis:
    'meshc ca init --out DIR --trust-domain TD [--key-type ecdsa|rsa] [--validity 10y] [--force]\n' +
    'meshc ca intermediate --root DIR --out DIR [--key-type ecdsa|rsa] [--validity 1y] [--force]',
  help: `ca init writes DIR/root.crt (public: commit it and list it in trust.roots) and DIR/root.key
(private, mode 0600: keep it offline). ca intermediate signs a new issuing CA with the CA in --root
and writes DIR/ca.crt, DIR/ca.key (0600) and a copy of DIR/root.crt; point meshc certs --ca at it.

Options:
  --out DIR            directory to write (created if missing)
  --trust-domain TD    SPIFFE trust domain (ca init; ca intermediate only for roots made elsewhere)
  --root DIR           the parent CA directory (ca intermediate)
  --key-type TYPE      ecdsa (P-256, default) or rsa (2048 bits)
  --validity D         lifetime: 10y for a root, 1y for an intermediate by default (units
                       min, h, d, y; m is refused as it reads as months: 180d, 6min)
  --force              replace existing files
  -h, --help           show this help

Existing files are never replaced without --force; nothing is written unless everything succeeds.

Exit status:
  0  the CA was written
  2  usage error, an unreadable or unusable --root CA, or a file that exists (without --force)
     or cannot be written; nothing was written
  70 internal error`,
  options: {
    out: { type: 'string' },
    'trust-domain': { type: 'string' },
    root: { type: 'string' },
    'key-type': { type: 'string' },
    validity: { type: 'string' },
    force: { type: 'boolean' },
  },
  maxPositionals: 1,
  async run({ values, positionals }, ctx) {
    // The subcommand first: `meshc ca` alone said "--out is required".
    const sub = positionals[0];
    if (sub !== 'init' && sub !== 'intermediate') {
      throw new UsageError(
        sub ? `unknown ca subcommand "${sub}"` : 'missing ca subcommand: init or intermediate',
      );
    }
    refuseSiblingOptions('ca', sub, values, INTERMEDIATE_ONLY);
    const env = pkiEnvOf(ctx.io);
    const keyType = parseKeyType(optionalFlag(values['key-type']) ?? 'ecdsa');
    const validity = optionalFlag(values.validity);
    const common = {
      out: requireFlag(values.out, '--out'),
      keyType,
      force: values.force === true,
      ...(validity !== undefined ? { validityMs: parseCaValidity(validity, '--validity') } : {}),
    };
    const trustDomain = optionalFlag(values['trust-domain']);
    // Loaded on use: the certificate generator costs ~0.2-0.4 s to import, which no other command pays.
    const { initIntermediateCa, initRootCa } = await import('../../pki/ca-ops.js');
    if (sub === 'init') {
      await initRootCa({ ...common, trustDomain: requireFlag(trustDomain, '--trust-domain') }, env);
      return 0;
    }
    await initIntermediateCa(
      {
        ...common,
        parentDir: requireFlag(values.root, '--root'),
        ...(trustDomain !== undefined ? { trustDomain } : {}),
      },
      env,
    );
    return 0;
  },
};
