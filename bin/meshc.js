#!/usr/bin/env node
// The installed `meshc` executable: hands process state to the compiled CLI and exits with its code.
// Kept tiny on purpose; everything testable lives in compiler/cli/main.ts.

// A closed pipe (`meshc validate | head`) is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

const command = process.argv[2];
let runCli;
let bundle;
try {
  if (command === 'proxy') {
    // First of all: a SIGINT/SIGTERM while the proxy loads is a graceful stop (exit 0), as later
    // (decision 0064). The sidecar runs from dist/'s ES modules: its memory budget (80 MB peak) has no
    // room for the compiler's cached code, so V8's young generation is capped before the proxy
    // allocates. Both tiny modules load together.
    const [{ listenForStop }, youngGeneration] = await Promise.all([
      import('../dist/compiler/cli/stop-signals.js'),
      process.env.MESHC_PROXY_FULL_YOUNG_GENERATION
        ? null
        : import('../dist/runtime/server/young-generation.js'),
    ]);
    listenForStop();
    youngGeneration?.capYoungGeneration();
    ({ runCli } = await import('../dist/compiler/cli/main.js'));
  } else {
    // Every other command runs from the bundle, with V8's code cache (docs/decisions/0028).
    const [{ codeCacheDir, loadBundle }, { fileURLToPath }] = await Promise.all([
      import('../dist/compiler/cli/code-cache.js'),
      import('node:url'),
    ]);
    const file = fileURLToPath(new URL('../dist/cli/meshc.cjs', import.meta.url));
    bundle = loadBundle(file, codeCacheDir(process.argv.slice(2), process.env, process.cwd()));
    ({ runCli } = bundle.exports);
  }
} catch (error) {
  process.stderr.write(`meshc: cannot load the compiled CLI (run \`npm run build\`): ${error.message}\n`);
  process.exit(70);
}

process.exitCode = await runCli(process.argv.slice(2), {
  stdout: process.stdout,
  stderr: process.stderr,
  env: process.env,
  isTTY: process.stdout.isTTY === true,
  stderrIsTTY: process.stderr.isTTY === true,
  cwd: process.cwd(),
});
if (bundle?.exports.commandNames.includes(command)) bundle.saveCodeCache(command);
