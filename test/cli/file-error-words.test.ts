// The PKI commands and `meshc report` word a file-system failure from one table (describeFsError):
// the same cause reads the same in both, each in its command's own sentence.
import { mkdirSync, symlinkSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { ISSUE, usePkiCli } from '../pki/cli-harness.js';
import { SHOP_DIR } from '../report/fixtures.js';

const cli = usePkiCli();

const REPORT_HINT = '  hint: pass --out with a file path in a writable directory\n';

/** What `meshc ...args` printed to stderr; it must have refused with exit 2. */
async function refusal(...args: string[]): Promise<string> {
  const res = await cli.meshc(...args);
  expect(res.code).toBe(2);
  return res.err;
}

test('a symbolic link loop on the way to --out: "too many symbolic links" from keys init and report', async () => {
  symlinkSync('loop', join(cli.dir, 'loop'));
  expect(await refusal('keys', 'init', '--out', 'loop/keys')).toBe(
    'meshc: error[PKI_FILE_UNUSABLE]: cannot write loop/keys: too many symbolic links\n',
  );
  expect(await refusal('report', SHOP_DIR, '--out', 'loop/page.html')).toBe(
    'meshc: error[REPORT_WRITE_FAILED]: cannot write loop/page.html (too many symbolic links); nothing was written\n' +
      REPORT_HINT,
  );
});

test('a directory where the file goes: "it is a directory" from certs issue and report', async () => {
  await cli.makeCa();
  cli.writeSpec();
  mkdirSync(join(cli.dir, 'certs/reviews.key'), { recursive: true });
  expect(await refusal('certs', 'issue', 'reviews', ...ISSUE)).toBe(
    'meshc: error[PKI_FILE_UNUSABLE]: cannot write certs/reviews.key: it is a directory; nothing was written\n',
  );
  mkdirSync(join(cli.dir, 'page.html'));
  expect(await refusal('report', SHOP_DIR, '--out', 'page.html')).toBe(
    'meshc: error[REPORT_WRITE_FAILED]: cannot write page.html (it is a directory); nothing was written\n' +
      REPORT_HINT,
  );
});
