// The entry of the bundled CLI, dist/cli/meshc.cjs (scripts/bundle-cli.mjs): the command line, and the
// compile pipeline's entry points for bench/, which times them as loaded from the same bundle with the
// same code cache as `meshc` (docs/decisions/0027, 0028). The pipeline is imported on demand, so
// `meshc keys` does not evaluate it.
import { COMMANDS } from './registry.js';

export { runCli } from './main.js';

/** The subcommands, for bin/meshc.js to keep code in the cache only for a real one. */
export const commandNames: readonly string[] = COMMANDS.map((c) => c.name);

export const loadPipeline = () => import('./pipeline-api.js');
