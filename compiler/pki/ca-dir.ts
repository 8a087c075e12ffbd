// The on-disk layout of a CA directory. `meshc ca init` writes root.crt + root.key; `meshc ca
// intermediate` writes ca.crt + ca.key + root.crt. An issuing command uses ca.* when present, else
// root.*; a CA made by openssl can be used by naming its files the same way.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PkiError } from './errors.js';
import type { CaFiles } from './issuing-ca.js';

export const ROOT_CERT = 'root.crt';
export const ROOT_KEY = 'root.key';
export const CA_CERT = 'ca.crt';
export const CA_KEY = 'ca.key';

/** Reads the issuing CA of `dir`; PKI_FILE_MISSING with the expected names when there is none. */
export async function readCaDir(dir: string, label = dir): Promise<CaFiles> {
  const caCert = await readOptional(join(dir, CA_CERT));
  const rootCert = await readOptional(join(dir, ROOT_CERT));
  if (caCert !== undefined) {
    const keyPem = await readRequired(join(dir, CA_KEY), `${CA_CERT} has no ${CA_KEY} beside it`);
    return { label, certPem: caCert, keyPem, ...(rootCert !== undefined ? { rootPem: rootCert } : {}) };
  }
  if (rootCert !== undefined) {
    const keyPem = await readRequired(
      join(dir, ROOT_KEY),
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

export async function readOptional(path: string): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

async function readRequired(path: string, why: string): Promise<string> {
  const text = await readOptional(path);
  if (text === undefined) throw new PkiError('PKI_FILE_MISSING', `${path} is missing: ${why}`);
  return text;
}
