// The on-disk layout of a CA directory. `meshc ca init` writes root.crt + root.key; `meshc ca
// intermediate` writes ca.crt + ca.key + root.crt. An issuing command uses ca.* when present, else
// root.*; a CA made by openssl can be used by naming its files the same way.
import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { closestMatch } from '../load/did-you-mean.js';
import { shellWord } from '../render/shell-words.js';
import { PkiError } from './errors.js';
import { describeFsError } from './files.js';
import type { CaFiles } from './issuing-ca.js';

export const ROOT_CERT = 'root.crt';
export const ROOT_KEY = 'root.key';
export const CA_CERT = 'ca.crt';
export const CA_KEY = 'ca.key';

const CREATE_HINT = 'create one with: meshc ca init --out DIR --trust-domain TD';

/**
 * Reads the issuing CA of `dir` (given as `flag`, for messages); PKI_FILE_MISSING with the expected
 * names when there is none.
 */
export async function readCaDir(dir: string, label = dir, flag = 'the CA'): Promise<CaFiles> {
  await requireCaDirectory(dir, label, flag);
  const named = (name: string) => join(label, name);
  const read = (name: string) => readOptional(join(dir, name), named(name));
  const caCert = await read(CA_CERT);
  const rootCert = await read(ROOT_CERT);
  if (caCert !== undefined) {
    const keyPem = await readRequired(dir, label, CA_KEY, `${CA_CERT} has no ${CA_KEY} beside it`);
    return {
      label,
      certPem: caCert,
      keyPem,
      ...(rootCert !== undefined ? { rootPem: rootCert } : {}),
      files: { cert: named(CA_CERT), key: named(CA_KEY), root: named(ROOT_CERT) },
    };
  }
  if (rootCert !== undefined) {
    const keyPem = await readRequired(
      dir,
      label,
      ROOT_KEY,
      `${ROOT_CERT} has no ${ROOT_KEY} beside it (an offline root? issue from an intermediate: meshc ca intermediate)`,
    );
    return { label, certPem: rootCert, keyPem, files: { cert: named(ROOT_CERT), key: named(ROOT_KEY) } };
  }
  throw new PkiError(
    'PKI_FILE_MISSING',
    `${label} holds no CA (expected ${CA_CERT} + ${CA_KEY}, or ${ROOT_CERT} + ${ROOT_KEY})`,
    CREATE_HINT,
  );
}

/**
 * A CA is named by its directory. Given one of its files (`--ca ca/issuing/ca.crt`), reading
 * `ca.crt/ca.crt` said "a parent is not a directory"; this says what to give instead.
 */
async function requireCaDirectory(dir: string, label: string, flag: string): Promise<void> {
  let st;
  try {
    st = await stat(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new PkiError('PKI_FILE_MISSING', `${label} does not exist`, await missingDirHint(dir, label));
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code))
      throw new PkiError('PKI_FILE_UNUSABLE', `cannot read ${label}: ${describeFsError(code)}`);
    throw err;
  }
  if (st.isDirectory()) return;
  const holder = CA_FILES.includes(basename(label)) ? ` (${flag} ${shellWord(dirname(label))})` : '';
  throw new PkiError(
    'PKI_FILE_UNUSABLE',
    `${label} is a file; ${flag} takes the CA's directory`,
    `give the directory that holds ${CA_CERT} + ${CA_KEY}, or ${ROOT_CERT} + ${ROOT_KEY}${holder}`,
  );
}

const CA_FILES = [CA_CERT, CA_KEY, ROOT_CERT, ROOT_KEY];

/**
 * `--ca ca/isuing` beside ca/issuing is a typo, not a CA still to be made: the init hint sent the
 * user to make a second CA. A sibling directory with a near name is suggested instead.
 */
async function missingDirHint(dir: string, label: string): Promise<string> {
  const siblings = await readdir(dirname(dir), { withFileTypes: true }).catch(() => []);
  const dirs = siblings.filter((e) => e.isDirectory()).map((e) => e.name);
  const near = closestMatch(basename(dir), dirs);
  return near === undefined ? CREATE_HINT : `did you mean ${shellWord(join(dirname(label), near))}?`;
}

/** The text of `path`, undefined when there is none; PKI_FILE_UNUSABLE naming `label` when it cannot be read. */
export async function readOptional(path: string, label = path): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (typeof code === 'string' && /^E[A-Z]+$/.test(code)) {
      throw new PkiError('PKI_FILE_UNUSABLE', `cannot read ${label}: ${describeFsError(code)}`);
    }
    throw err;
  }
}

async function readRequired(dir: string, label: string, name: string, why: string): Promise<string> {
  const text = await readOptional(join(dir, name), join(label, name));
  if (text === undefined) throw new PkiError('PKI_FILE_MISSING', `${join(label, name)} is missing: ${why}`);
  return text;
}
