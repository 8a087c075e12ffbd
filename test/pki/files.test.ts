// All-or-nothing writes: a failure part-way leaves no file and no temp file behind; keys get 0600
// whatever the umask; existing files are named in the refusal.
import { execFileSync } from 'node:child_process';
import {
  createReadStream,
  existsSync,
  lstatSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  statSync,
  symlinkSync,
  unlinkSync,
  watch,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, test } from 'vitest';
import { isPkiError } from '../../compiler/pki/errors.js';
import { PRIVATE_MODE, PUBLIC_MODE, writeFilesAtomically } from '../../compiler/pki/files.js';
import { makeTempDir } from './helpers.js';

let temp: ReturnType<typeof makeTempDir>;
beforeEach(() => {
  temp = makeTempDir();
});
afterEach(() => temp.cleanup());

test('a failure before any file is in place leaves none of them, and no temp files', async () => {
  writeFileSync(join(temp.dir, 'blocker'), 'a file where a directory is needed');
  const files = [
    { path: join(temp.dir, 'out', 'a.crt'), data: 'cert', mode: PUBLIC_MODE },
    { path: join(temp.dir, 'blocker', 'b.crt'), data: 'cert', mode: PUBLIC_MODE },
  ];
  await expect(writeFilesAtomically(files, { force: false })).rejects.toThrow();
  expect(existsSync(join(temp.dir, 'out', 'a.crt'))).toBe(false);
});

test('when a file cannot be put in place, the temp files written so far are removed', async () => {
  mkdirSync(join(temp.dir, 'out', 'a.crt'), { recursive: true }); // a directory: rename onto it fails
  const files = [
    { path: join(temp.dir, 'out', 'a.crt'), data: 'cert', mode: PUBLIC_MODE },
    { path: join(temp.dir, 'out', 'a.key'), data: 'key', mode: PRIVATE_MODE },
  ];
  await expect(writeFilesAtomically(files, { force: true })).rejects.toThrow();
  expect(readdirSync(join(temp.dir, 'out'))).toEqual(['a.crt']);
  expect(statSync(join(temp.dir, 'out', 'a.crt')).isDirectory()).toBe(true);
});

test('keys are 0600 even under a permissive umask; --force replaces, else existing files are named', async () => {
  const key = { path: join(temp.dir, 'k', 'x.key'), label: 'k/x.key', data: 'one', mode: PRIVATE_MODE };
  const previous = process.umask(0o000);
  try {
    await writeFilesAtomically([key], { force: false });
  } finally {
    process.umask(previous);
  }
  expect(statSync(key.path).mode & 0o777).toBe(0o600);
  const err = await writeFilesAtomically([{ ...key, data: 'two' }], { force: false }).catch(
    (e: unknown) => e,
  );
  expect(isPkiError(err) && [err.code, err.message]).toEqual([
    'PKI_FILE_EXISTS',
    'k/x.key already exists; nothing was written',
  ]);
  await writeFilesAtomically([{ ...key, data: 'two' }], { force: true });
  expect(readFileSync(key.path, 'utf8')).toBe('two');
  expect(readdirSync(join(temp.dir, 'k'))).toEqual(['x.key']);
});

test('a FIFO (as /dev/null or /dev/stdout would be) is written to, never replaced by a file', async () => {
  const fifo = join(temp.dir, 'pipe');
  execFileSync('mkfifo', [fifo]);
  const received = new Promise<string>((resolve, reject) => {
    let text = '';
    createReadStream(fifo, 'utf8')
      .on('data', (chunk) => (text += chunk))
      .on('end', () => resolve(text))
      .on('error', reject);
  });
  await writeFilesAtomically([{ path: fifo, data: '<html>report</html>', mode: PUBLIC_MODE }], {
    force: true,
  });
  expect(await received).toBe('<html>report</html>');
  expect(lstatSync(fifo).isFIFO()).toBe(true);
  expect(readdirSync(temp.dir)).toEqual(['pipe']);
});

test('a symlink to a file is written through: the file is replaced, the link stays', async () => {
  const target = join(temp.dir, 'real.html');
  writeFileSync(target, 'old');
  symlinkSync(target, join(temp.dir, 'link.html'));
  await writeFilesAtomically([{ path: join(temp.dir, 'link.html'), data: 'new', mode: PUBLIC_MODE }], {
    force: true,
  });
  expect(lstatSync(join(temp.dir, 'link.html')).isSymbolicLink()).toBe(true);
  expect(readFileSync(target, 'utf8')).toBe('new');
  expect(readdirSync(temp.dir).sort()).toEqual(['link.html', 'real.html']);
});

test('a file that cannot be put in place undoes the ones before it; keys go in before certificates', async () => {
  const out = join(temp.dir, 'out');
  mkdirSync(out);
  const files = Array.from({ length: 40 }, (_, i) => [
    { path: join(out, `s${i}.crt`), data: `new cert ${i}`, mode: PUBLIC_MODE },
    { path: join(out, `s${i}.key`), data: `new key ${i}`, mode: PRIVATE_MODE },
  ]).flat();
  for (const f of files) writeFileSync(f.path, f.data.replace('new', 'old'));
  // Once the first key is in place, another program turns the last certificate into a directory:
  // renaming onto it fails, after every key and some certificates were replaced.
  let certWhenFirstKeyLanded: string | undefined;
  const watcher = watch(out, (_event, name) => {
    if (name !== 's0.key' || certWhenFirstKeyLanded !== undefined) return;
    certWhenFirstKeyLanded = readFileSync(join(out, 's0.crt'), 'utf8');
    unlinkSync(join(out, 's39.crt'));
    mkdirSync(join(out, 's39.crt'));
  });
  try {
    await expect(writeFilesAtomically(files, { force: true })).rejects.toMatchObject({ code: 'EISDIR' });
  } finally {
    watcher.close();
  }
  expect(certWhenFirstKeyLanded).toBe('old cert 0');
  for (const f of files.filter((f) => !f.path.endsWith('s39.crt'))) {
    expect(readFileSync(f.path, 'utf8')).toBe(f.data.replace('new', 'old'));
  }
  expect(readdirSync(out).filter((n) => n.includes('.tmp-') || n.includes('.old-'))).toEqual([]);
});

test('a private key is never written through a symlink or into a FIFO', async () => {
  const elsewhere = join(temp.dir, 'elsewhere');
  writeFileSync(elsewhere, 'not yours');
  symlinkSync(elsewhere, join(temp.dir, 'a.key'));
  execFileSync('mkfifo', [join(temp.dir, 'b.key')]);
  for (const name of ['a.key', 'b.key']) {
    const key = { path: join(temp.dir, name), label: name, data: 'secret', mode: PRIVATE_MODE };
    const err = await writeFilesAtomically([key], { force: true }).catch((e: unknown) => e);
    expect(isPkiError(err) && err.code).toBe('PKI_FILE_UNUSABLE');
  }
  expect(readFileSync(elsewhere, 'utf8')).toBe('not yours');
  expect(lstatSync(join(temp.dir, 'b.key')).isFIFO()).toBe(true);
}, 5_000);

test('directories made for keys are 0700, for public files 0755, whatever the umask', async () => {
  const previous = process.umask(0o000);
  try {
    await writeFilesAtomically(
      [
        { path: join(temp.dir, 'a', 'b', 'x.key'), data: 'k', mode: PRIVATE_MODE },
        { path: join(temp.dir, 'a', 'b', 'x.crt'), data: 'c', mode: PUBLIC_MODE },
        { path: join(temp.dir, 'p', 'x.crt'), data: 'c', mode: PUBLIC_MODE },
      ],
      { force: false },
    );
  } finally {
    process.umask(previous);
  }
  const dirMode = (path: string) => statSync(join(temp.dir, path)).mode & 0o777;
  expect([dirMode('a'), dirMode('a/b'), dirMode('p')]).toEqual([0o700, 0o700, 0o755]);
});
