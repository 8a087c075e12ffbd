// `npm run demo`: the whole meshc flow on the bundled example, on loopback, leaving nothing behind.
// Each step runs the real `meshc` executable the way a user or a CI job would; the sample apps run in
// this process and every sidecar is a real `meshc proxy` child process.
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { adminGet, metricLines, waitForVersion } from './demo/admin.js';
import { reservePorts } from './demo/free-ports.js';
import { INSTANCES, meshUp, placeInstances } from './demo/mesh-up.js';
import { plainRequest, tlsWithoutCertificate } from './demo/mtls-refusal.js';
import { cleanup, onCleanup, trackDir } from './demo/processes.js';
import { indent, meshcOk } from './demo/run-meshc.js';
import { closeAgents, viaSidecar } from './demo/sample-app.js';
import { CANARY, makeSpecRepo } from './demo/spec-repo.js';
import { serveStore } from './demo/store-server.js';
import { keepSending, percentages, send } from './demo/traffic.js';

function heading(text: string): void {
  console.log(`\n== ${text}`);
}

async function main(): Promise<void> {
  const started = performance.now();
  const work = trackDir(mkdtempSync(join(tmpdir(), 'meshc-demo-')));
  const at = (...parts: string[]): string => join(work, ...parts);
  for (const dir of ['logs', 'cache']) mkdirSync(at(dir));
  onCleanup(async () => closeAgents());
  // Every command runs in the work directory with relative paths, so the transcript reads like a user's.
  const run = async (args: string[]): Promise<string> => {
    const out = await meshcOk(args, { cwd: work });
    console.log(indent(out));
    return out;
  };

  console.log(
    'meshc demo: the shop mesh of examples/shop, from a spec in git to live sidecars on 127.0.0.1.',
  );
  console.log(`Working in ${work}`);

  heading('1. A spec repo with a pull request, and its review');
  await run(['ca', 'init', '--out', 'ca', '--trust-domain', 'shop.local']);
  const reserved = await reservePorts(INSTANCES.length);
  onCleanup(() => reserved.release());
  const instances = placeInstances(reserved.ports);
  const moves = instances.map((i) => ({ service: i.service, from: i.shopEndpoint, to: i.endpoint }));
  const repo = await makeSpecRepo(at('spec'), readFileSync(at('ca/root.crt'), 'utf8'), moves);
  console.log(
    `\nspec repo: examples/shop in git; commit ${repo.baseline.slice(0, 7)} is main, ` +
      `${repo.canary.slice(0, 7)} the pull request "reviews: canary v2 10% -> 50%"`,
  );
  console.log(
    "both commits put the instances the demo runs on free ports, not the example's, which may be taken here:\n" +
      indent(instances.map((i) => `${i.name.padEnd(15)} ${i.endpoint}`).join('\n')),
  );
  await run(['validate', 'spec']);
  await run(['plan', 'spec', '--base', 'HEAD~1', '--head', 'HEAD', '--format', 'markdown']);

  heading('2. Identity and signed bundles (what CI does on merge)');
  await run(['certs', 'issue', '--all', '--ca', 'ca', '--spec', 'spec', '--out', 'certs']);
  await run(['keys', 'init', '--out', 'keys']);
  await run([
    'compile',
    'spec',
    '--ref',
    'HEAD~1',
    '--out',
    'store',
    '--signing-key',
    'keys/bundle-signing.key',
  ]);
  const store = await serveStore(at('store'));
  onCleanup(() => store.close());
  console.log(
    `\nthe store is served over HTTP at ${store.url} (static files with ETags, as nginx or S3 would)`,
  );

  heading('3. Sample apps, each with a meshc proxy sidecar');
  const mesh = await meshUp(store.url, work, instances, reserved);
  for (const [name, s] of [...mesh.sidecars].sort(([a], [b]) => a.localeCompare(b))) {
    console.log(
      `  ${name.padEnd(15)} inbound 127.0.0.1:${s.inbound}  outbound :${s.outbound}  admin :${s.admin}`,
    );
  }
  const productpage = mesh.sidecars.get('productpage-v1')!;

  heading(
    `4. Canary split: productpage -> reviews, 2,000 requests (spec: v1 ${CANARY.before.v1}%, v2 ${CANARY.before.v2}%)`,
  );
  const canary = await send(productpage.outbound, 'reviews', '/reviews/1', 2_000, { concurrency: 16 });
  console.log(`  ${percentages(canary)}; ${canary.failures} failed ${canary.failureSamples.join('; ')}`);

  heading('5. Header routing: end-user: jason goes to v2');
  const jason = await send(productpage.outbound, 'reviews', '/reviews/1', 50, {
    headers: { 'end-user': 'jason' },
  });
  console.log(`  50 requests as jason: ${percentages(jason)}; ${jason.failures} failed`);
  const chain = await viaSidecar(productpage.outbound, 'reviews', '/reviews/1', {
    headers: { 'end-user': 'jason' },
  });
  console.log(`  one answer, hop by hop: ${chain.body}`);

  heading('6. Authorization: productpage may only GET /details/*');
  const denied = await viaSidecar(productpage.outbound, 'details', '/details/1', { method: 'DELETE' });
  console.log(
    `  DELETE /details/1 -> ${denied.status}, x-meshc-error: ${denied.headers['x-meshc-error']}, ` +
      `x-meshc-rule: ${denied.headers['x-meshc-rule']}`,
  );
  const allowed = await viaSidecar(productpage.outbound, 'details', '/details/1');
  console.log(`  GET /details/1    -> ${allowed.status}, ${allowed.body}`);

  heading('7. Strict mTLS: a client without a mesh certificate, straight at reviews-v1');
  const reviewsV1 = mesh.sidecars.get('reviews-v1')!;
  console.log(`  plain HTTP:                 ${await plainRequest(reviewsV1.inbound)}`);
  console.log(`  TLS, no client certificate: ${await tlsWithoutCertificate(reviewsV1.inbound)}`);

  heading('8. Hot reload: merge the pull request and publish, under continuous load');
  const load = keepSending(productpage.outbound, 'reviews', '/reviews/1', 6);
  await new Promise((resolve) => setTimeout(resolve, 1_500));
  load.nextWindow();
  const published = performance.now();
  await run([
    'compile',
    'spec',
    '--ref',
    'HEAD',
    '--out',
    'store',
    '--signing-key',
    'keys/bundle-signing.key',
  ]);
  const manifest = JSON.parse(readFileSync(at('store/services/productpage/manifest.json'), 'utf8')) as {
    version: string;
  };
  await waitForVersion(productpage.admin, manifest.version, 10_000);
  const tookMs = performance.now() - published;
  load.nextWindow();
  await new Promise((resolve) => setTimeout(resolve, 4_000));
  const [before, during, after] = await load.stop();
  const total = [before!, during!, after!].reduce((n, t) => n + t.total, 0);
  const failed = [before!, during!, after!].reduce((n, t) => n + t.failures, 0);
  console.log(
    `  productpage's sidecar activated bundle ${manifest.version} ${(tookMs / 1000).toFixed(1)} s after the compile started (sidecars poll every 1 s)`,
  );
  console.log(`  before: ${percentages(before!)}`);
  console.log(
    `  after:  ${percentages(after!)}   (spec now: v1 ${CANARY.after.v1}%, v2 ${CANARY.after.v2}%)`,
  );
  console.log(
    `  ${total} requests during the reload, ${failed} failed${failed ? `: ${before!.failureSamples.concat(during!.failureSamples, after!.failureSamples).join('; ')}` : ''}`,
  );

  heading("9. Metrics: productpage's sidecar, /metrics excerpt");
  const metrics = await adminGet(productpage.admin, '/metrics');
  const lines = [
    ...metricLines(metrics.body, ['meshc_requests_total'], 'reviews').slice(0, 4),
    ...metricLines(metrics.body, [
      'meshc_bundle_reloads_total',
      'meshc_bundle_info',
      'meshc_certificate_expiry',
    ]),
  ];
  console.log(indent(lines.join('\n')));
  const polls = [...store.answered].map(([code, n]) => `${n} × ${code}`).join(', ');
  console.log(`  the store answered ${polls} (unchanged manifests cost a 304)`);

  heading('10. The mesh report');
  // Kept after the demo, for the reader to open: in a private directory of its own, never a fixed
  // name in the shared temp directory, which another user could hold or point elsewhere by a link.
  const report = join(mkdtempSync(join(tmpdir(), 'meshc-demo-report-')), 'mesh.html');
  await run(['report', 'spec', '--out', report]);
  console.log(`  open ${report} in a browser: the service graph, routes and policies with provenance`);

  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  console.log(
    `\nDone in ${seconds} s. Stopping ${mesh.sidecars.size} sidecars and the apps; removing ${work}.`,
  );
  if (canary.failures + jason.failures + failed > 0) throw new Error('some requests failed (see above)');
}

// The first reason to stop decides the exit code, and every later one waits for the same cleanup:
// on Ctrl-C, the demo's own requests fail as the sidecars go, and that failure must neither exit
// before the cleanup has finished nor replace the 130 of the interrupt with a 1.
let stopping: Promise<never> | undefined;
function stop(code: number): Promise<never> {
  const exit = () => process.exit(code);
  stopping ??= cleanup().then(exit, exit);
  return stopping;
}
process.on('SIGINT', () => void stop(130));
process.on('SIGTERM', () => void stop(143));

main().then(
  () => stop(0),
  (error: unknown) => {
    process.stderr.write(`demo failed: ${error instanceof Error ? error.message : String(error)}\n`);
    return stop(1);
  },
);
