// `meshc keys init`: the Ed25519 key pair that signs bundles (compile --signing-key) and verifies
// them (proxy --verify-key). The work is in compiler/pki/keys-ops.ts.
import { pkiEnvOf, requireFlag } from '../../pki/command-env.js';
import { initSigningKeys } from '../../pki/keys-ops.js';
import { UsageError } from '../errors.js';
import type { Command } from '../types.js';

export const keysCommand: Command = {
  name: 'keys',
  summary: 'Create the Ed25519 key pair that signs and verifies bundles',
  synopsis: 'meshc keys init --out DIR [--force]',
  help: `Writes DIR/bundle-signing.key (private, mode 0600: give it to the CI compile step only) and
DIR/bundle-signing.pub (public: give it to every proxy as --verify-key).

Options:
  --out DIR   directory to write (created if missing)
  --force     replace existing files
  -h, --help  show this help

Exit status:
  0  the key pair was written
  2  usage error, or a file that exists (without --force) or cannot be written; nothing was
     written
  70 internal error`,
  options: { out: { type: 'string' }, force: { type: 'boolean' } },
  maxPositionals: 1,
  async run({ values, positionals }, ctx) {
    if (positionals[0] !== 'init') {
      throw new UsageError(
        positionals[0] ? `unknown keys subcommand "${positionals[0]}"` : 'missing keys subcommand: init',
      );
    }
    await initSigningKeys(
      { out: requireFlag(values.out, '--out'), force: values.force === true },
      pkiEnvOf(ctx.io),
    );
    return 0;
  },
};
