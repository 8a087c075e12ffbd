// `meshc rollout` and `meshc rollback`: re-point a service's signed manifest at a bundle the store
// already holds, for a share of its proxies or for all of them. No recompile; bundles never change.
import { resolve } from 'node:path';
import type { Manifest } from '../../../schema/manifest.types.generated.js';
import { isCompileError } from '../../compile-error.js';
import { parsePercent } from '../../store/rollout.js';
import { repointService } from '../../store/rollout-store.js';
import { describeReplacedLock } from '../../store/store-lock.js';
import { resolveSigning, SIGNING_KEY_ENV } from '../../store/signing-key.js';
import { EXIT_OK, UsageError, writeRefusal } from '../errors.js';
import type { Command, CommandContext, ParsedValues } from '../types.js';

const COMMON_OPTIONS = `  --store DIR         the bundle store (a \`meshc compile --out\` directory)
  --signing-key FILE  the store's Ed25519 private key; default: $${SIGNING_KEY_ENV}
                      (must be the key that signed the current manifest)
  -h, --help          show this help`;

/** The exit statuses; rollout's usage errors include a bad --percent, which rollback has not. */
const exitStatus = (usage: string) => `Exit status:
  0  the manifest points where asked (rewritten, or already so)
  2  ${usage}, unknown service or version, wrong key, or a store that cannot be
     written; the store is then untouched
  70 internal error`;

export const rolloutCommand: Command = {
  name: 'rollout',
  summary: "Point a share of a service's proxies at another bundle version (no recompile)",
  synopsis: 'meshc rollout SERVICE --to VERSION --percent N --store DIR [--signing-key FILE]',
  help: `Rewrites services/SERVICE/manifest.json (and its signature) so that N % of the service's
proxies, chosen by a stable hash of their --instance-id, run bundle VERSION and the rest keep the
current main version. --percent 0 ends a rollout; --percent 100 makes VERSION the main version.
VERSION must be a bundle of SERVICE in the store that verifies with the signing key.

Options:
  --to VERSION        the bundle version (16 hex digits, as \`meshc compile\` printed it)
  --percent N         share of proxies on VERSION, 0 to 100
${COMMON_OPTIONS}

${exitStatus('usage error, bad percent')}`,
  options: {
    to: { type: 'string' },
    percent: { type: 'string' },
    store: { type: 'string' },
    'signing-key': { type: 'string' },
  },
  maxPositionals: 1,
  run: (args, ctx) => repoint(args, ctx, 'rollout'),
};

export const rollbackCommand: Command = {
  name: 'rollback',
  summary: 'Point every proxy of a service back at an older bundle version (no recompile)',
  synopsis: 'meshc rollback SERVICE --to VERSION --store DIR [--signing-key FILE]',
  help: `Rewrites services/SERVICE/manifest.json (and its signature) so that every proxy of SERVICE
runs bundle VERSION, dropping any rollout. VERSION must be a bundle of SERVICE in the store that
verifies with the signing key.

Options:
  --to VERSION        the bundle version to return to
${COMMON_OPTIONS}

${exitStatus('usage error')}`,
  options: { to: { type: 'string' }, store: { type: 'string' }, 'signing-key': { type: 'string' } },
  maxPositionals: 1,
  run: (args, ctx) => repoint(args, ctx, 'rollback'),
};

async function repoint(
  { values, positionals }: { values: ParsedValues; positionals: string[] },
  { io }: CommandContext,
  kind: 'rollout' | 'rollback',
): Promise<number> {
  const service = positionals[0];
  if (!service) throw new UsageError('missing SERVICE');
  const to = required(values, 'to', '--to VERSION');
  const store = required(values, 'store', '--store DIR');
  const percent = kind === 'rollout' ? parsePercent(required(values, 'percent', '--percent N')) : undefined;
  const keyFile = values['signing-key'];
  if (typeof keyFile !== 'string' && !io.env[SIGNING_KEY_ENV])
    throw new UsageError(`--signing-key FILE is required (or set ${SIGNING_KEY_ENV})`);
  let signing;
  try {
    signing = await resolveSigning({
      ...(typeof keyFile === 'string' ? { keyFile } : {}),
      env: io.env,
      cwd: io.cwd,
    });
  } catch (error) {
    if (!isCompileError(error)) throw error;
    return writeRefusal(error, io);
  }
  if (signing.kind !== 'signed') throw new UsageError('a signing key is required');
  const report = await repointService({
    storeDir: resolve(io.cwd, store),
    service,
    to,
    ...(percent === undefined ? {} : { percent }),
    signingKey: signing.key,
  });
  if (report.replacedLock) io.stderr.write(`meshc: note: ${describeReplacedLock(report.replacedLock)}\n`);
  io.stdout.write(
    `${service}: ${describe(report.after)}${report.changed ? '' : ' (already so; nothing written)'}\n`,
  );
  if (report.changed) io.stdout.write(`  was: ${describe(report.before)}\n`);
  return EXIT_OK;
}

function describe(m: Manifest): string {
  if (!m.rollout) return `every proxy on ${m.version}`;
  return `${m.rollout.percent}% of proxies on ${m.rollout.version}, the rest on ${m.version}`;
}

function required(values: ParsedValues, name: string, shown: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new UsageError(`${shown} is required`);
  return v;
}
