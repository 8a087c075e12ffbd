#!/usr/bin/env node
// The installed `meshc` executable: hands process state to the compiled CLI and exits with its code.
// Kept tiny on purpose; everything testable lives in compiler/cli/main.ts.

// A closed pipe (`meshc validate | head`) is not an error worth a stack trace.
process.stdout.on('error', (error) => {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw error;
});

let runCli;
try {
  // The sidecar's memory budget (80 MB peak): cap V8's young generation before the proxy allocates.
  if (process.argv[2] === 'proxy' && !process.env.MESHC_PROXY_FULL_YOUNG_GENERATION)
    (await import('../dist/runtime/server/young-generation.js')).capYoungGeneration();
  ({ runCli } = await import('../dist/compiler/cli/main.js'));
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
