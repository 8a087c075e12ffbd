// The on-disk layout of a CA directory. `meshc ca init` writes root.crt + root.key; `meshc ca
// intermediate` writes ca.crt + ca.key + root.crt. An issuing command uses ca.* when present, else
// root.*; a CA made by openssl can be used by naming its files the same way.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PkiError } from './errors.js';
import { describeFsError } from './files.js';
import type { CaFiles } from './issuing-ca.js';

export const ROOT_CERT = 'root.crt';
export const ROOT_KEY = 'root.key';
export const CA_CERT = 'ca.crt';
export const CA_KEY = 'ca.key';

/** Reads the issuing CA of `dir`; PKI_FILE_MISSING with the expected names when there is none. */
export async function readCaDir(dir: string, label = dir): Promise<CaFiles> {
  const read = (name: string) => readOptional(join(dir, name), join(label, name));
  const caCert = await read(CA_CERT);
  const rootCert = await read(ROOT_CERT);
  if (caCert !== undefined) {
    const keyPem = await readRequired(dir, label, CA_KEY, `${CA_CERT} has no ${CA_KEY} beside it`);
    return { label, certPem: caCert, keyPem, ...(rootCert !== undefined ? { rootPem: rootCert } : {}) };
  }
  if (rootCert !== undefined) {
    const keyPem = await readRequired(
      dir,
      label,
      ROOT_KEY,
      `${ROOT_CERT} has no ${ROOT_KEY} beside it (an offline root? issue from an intermediate: meshc ca intermediate)`,
    );
    return { label, certPem: rootCert, keyPem };
  }
  throw new PkiError(
    'PKI_FILE_MISSING',
    `${label} holds no CA (expected ${CA_CERT} + ${CA_KEY}, or ${ROOT_CERT} + ${ROOT_KEY})`,
    'create one with: meshc ca init --out DIR --trust-domain TD',
  );
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
