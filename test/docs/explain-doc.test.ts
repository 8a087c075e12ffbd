// docs/explain.md's account of `meshc explain --format json`'s refusal: the fields it lists are the
// ones a refusal has, and `hop` counts from 0 where the text counts from 1, as the page says. Scripts
// read these fields, so the page must keep up with them.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../compiler/cli/main.js';
import { captureIo } from '../helpers/cli-io.js';
import { repoRoot } from './run-generator.js';

const page = readFileSync(join(repoRoot, 'docs/explain.md'), 'utf8').replace(/\s+/g, ' ');

/** A request that productpage's app sends on to reviews, whose app calls details, which reviews does not call. */
async function explainRefusedSecondHop(format: 'text' | 'json'): Promise<string> {
  const io = { ...captureIo({ cwd: repoRoot }), now: () => Date.now() };
  const args = ['explain', '--from', 'productpage', 'GET http://reviews/reviews/1'];
  const code = await runCli(
    [...args, '--then', 'GET http://details/details/1', '--format', format, 'examples/shop'],
    io,
  );
  expect([code, io.err()]).toEqual([1, '']);
  return io.out();
}

describe('docs/explain.md on the JSON refusal', () => {
  it('lists the fields a refusal has', async () => {
    const json = JSON.parse(await explainRefusedSecondHop('json')) as { refusal: Record<string, unknown> };
    const listed = /`refusal` is what the client would see: `\{ ([a-z, ]+) \}`/.exec(page)?.[1];
    expect(listed?.split(', ').sort()).toEqual(Object.keys(json.refusal).sort());
  });

  it('says hop counts from 0 in JSON and from 1 in the text, with an example that holds', async () => {
    const json = JSON.parse(await explainRefusedSecondHop('json')) as {
      hops: unknown[];
      refusal: { hop: number };
    };
    expect(json.refusal.hop).toBe(json.hops.length - 1);
    expect(json.refusal.hop).toBe(1);
    expect(await explainRefusedSecondHop('text')).toContain('result: refused at hop 2 ');
    expect(page).toContain(
      'counted from 0, where the text counts hops from 1 (`refused at hop 2` is `"hop": 1`)',
    );
  });
});
