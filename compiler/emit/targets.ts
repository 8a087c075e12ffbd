// The extension point for compile targets: a registry of target name -> emitter. The native
// bundle is always written (it is what the store serves); other targets add files beside it.
// Adding a target is one line: in BUNDLE_TARGETS when it reads nothing but the bundle (like
// `envoy: emitEnvoyTarget`), else in TARGETS.
import type { Bundle } from '../../schema/bundle.types.generated.js';
import { storePaths } from '../../schema/store-format.js';
import type { Diagnostic } from '../diagnostics.js';
import type { MeshModel } from '../model.js';
import { emitEnvoyTarget } from './envoy/index.js';

/** A file a target produces, at a store-relative path with forward slashes. */
export interface EmittedFile {
  readonly path: string;
  readonly bytes: Uint8Array;
}

/**
 * Pure: the files a target emits for one service, from that service's final bundle (the one the
 * store will serve) and the model. Throw a TargetError for a problem the user must fix.
 */
export type TargetEmitter = (bundle: Bundle, model: MeshModel) => readonly EmittedFile[];

/** A problem in a target's input the user must fix (a template that fails), as a diagnostic. */
export class TargetError extends Error {
  override readonly name = 'TargetError';
  constructor(readonly diagnostic: Diagnostic) {
    super(diagnostic.message);
  }
}

/** What one target made of one service's bundle: its files, or the diagnostic it failed with. */
export type TargetOutcome = { readonly files: readonly EmittedFile[] } | { readonly error: Diagnostic };

/** Runs one target for one service, a TargetError kept as data; any other error is a bug and throws. */
export function runTarget(emit: () => readonly EmittedFile[]): TargetOutcome {
  try {
    return { files: emit() };
  } catch (err) {
    if (err instanceof TargetError) return { error: err.diagnostic };
    throw err;
  }
}

/** The native target emits nothing extra: its output is the bundle itself. */
const emitNative: TargetEmitter = () => [];

/** A target that reads nothing but the bundle: it can run on a worker thread from the bundle's bytes. */
export type BundleTargetEmitter = (bundle: Bundle) => readonly EmittedFile[];

/**
 * The built-in targets that are bundle-only, by name: what the emit pool (emit/emit-pool.ts) may run
 * off the main thread. Their output from a bundle parsed back from its canonical JSON must equal
 * their output from the planned bundle (tested).
 */
export const BUNDLE_TARGETS: Readonly<Record<string, BundleTargetEmitter>> = {
  envoy: emitEnvoyTarget,
};

/** Built-in targets by `--target` name. `template:FILE` targets are made per file (emit/template). */
export const TARGETS: Readonly<Record<string, TargetEmitter>> = {
  native: emitNative,
  ...BUNDLE_TARGETS,
};

/**
 * The files each built-in target writes for a service, by name (NamedTarget `paths`): a compile with
 * the target removes them for a service gone from the spec. A test holds them to what `emit` writes.
 */
export const TARGET_PATHS: Readonly<Record<string, (service: string) => readonly string[]>> = {
  native: () => [],
  envoy: (service) => [storePaths.envoy(service)],
};

/** Targets used when `--target` is not given: every built-in one. */
export function defaultTargetNames(): string[] {
  return Object.keys(TARGETS);
}
