// meshc ca / certs / keys run in-process through runCli in a fresh temp directory per test, with an
// injected clock: the shared set-up of the PKI command tests (a spec of two services, a root and an
// intermediate made by the commands themselves).
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { captureIo } from '../helpers/cli-io.js';
import { writeFiles } from '../helpers/spec-fixtures.js';
import { makeTempDir } from './helpers.js';

export const T0 = Date.UTC(2030, 0, 1);

/** The flags of `certs issue` and `certs renew` for the CA, spec and output that makeCa and writeSpec make. */
export const ISSUE = ['--ca', 'ca/issuing', '--spec', 'spec', '--out', 'certs'];

export interface PkiCli {
  /** This test's working directory. */
  readonly dir: string;
  /** What meshc's clock says (epoch ms); T0 at the start of each test. */
  clock: number;
  meshc(...args: string[]): Promise<{ code: number; out: string; err: string }>;
  /** The text of a file under `dir`. */
  file(path: string): string;
  /** The permission bits of a file under `dir`. */
  mode(path: string): number;
  /** spec/ with a Mesh of `trustDomain` (`extra` goes into its trust block) and services reviews and ratings. */
  writeSpec(trustDomain?: string, extra?: string): void;
  /** ca/root (ca init) and ca/issuing (ca intermediate under it). */
  makeCa(): Promise<void>;
}

/** Registers the per-test temp directory and clock; call at the top of a test file. */
export function usePkiCli(): PkiCli {
  let temp: ReturnType<typeof makeTempDir> | undefined;
  const cli: PkiCli = {
    get dir() {
      if (!temp) throw new Error('usePkiCli: no test is running');
      return temp.dir;
    },
    clock: T0,
    async meshc(...args) {
      const io = { ...captureIo({ cwd: cli.dir }), now: () => cli.clock };
      const code = await runCli(args, io);
      return { code, out: io.out(), err: io.err() };
    },
    file: (path) => readFileSync(join(cli.dir, path), 'utf8'),
    mode: (path) => statSync(join(cli.dir, path)).mode & 0o777,
    writeSpec(trustDomain = 'shop.local', extra = '') {
      const service = (name: string) =>
        `apiVersion: meshc/v1\nkind: Service\nmetadata: { name: ${name} }\nspec: { protocol: http, port: 9080, endpoints: ["10.0.1.5:15006"] }\n`;
      writeFiles(cli.dir, {
        'spec/mesh.yaml': `apiVersion: meshc/v1\nkind: Mesh\nmetadata: { name: shop }\nspec:\n  trustDomain: ${trustDomain}\n  trust: { roots: [pki/root.crt]${extra} }\n`,
        'spec/services/reviews.yaml': service('reviews'),
        'spec/services/ratings.yaml': service('ratings'),
      });
    },
    async makeCa() {
      expect((await cli.meshc('ca', 'init', '--out', 'ca/root', '--trust-domain', 'shop.local')).code).toBe(
        0,
      );
      expect((await cli.meshc('ca', 'intermediate', '--root', 'ca/root', '--out', 'ca/issuing')).code).toBe(
        0,
      );
    },
  };
  beforeEach(() => {
    temp = makeTempDir();
    cli.clock = T0;
  });
  afterEach(() => {
    temp?.cleanup();
    temp = undefined;
  });
  return cli;
}
