// What bench/compile and bench/validate call, from the bundle they load (bundle-entry.ts), and where
// the bundle's worker threads start from.
import { emitWorkerScript } from '../emit/emit-pool.js';
import { workerScript as parseWorkerScript } from '../load/parse-pool.js';
export { compileToStore } from '../compile.js';
export { parseTargetList, resolveTargets } from '../emit/resolve-targets.js';
export { dirSource } from '../load/dir-source.js';
export { openParseCache } from '../load/parse-cache.js';
export { checkSpec } from '../pipeline.js';
export { phaseDurations, recordPhases } from '../phase-marks.js';
export { fingerprintFileFor } from '../store/fingerprints.js';
export { parseSigningKey } from '../store/signing-key.js';

/** The scripts this build's worker threads start from (tests check the bundle's are found). */
export const workerScripts = () => ({ parse: parseWorkerScript(), emit: emitWorkerScript() });
