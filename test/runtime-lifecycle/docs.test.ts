// Every code an operator can meet in /config, /ready or the logs is explained in the operations guide.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { bundleErrorCodes } from '../../runtime/bundle/errors.js';
import { reloadResults } from '../../runtime/bundle/status.js';
import { certificateErrorCodes } from '../../runtime/certs/watch-certificates.js';
import { createProxyMetrics } from '../../runtime/telemetry/metrics.js';

const guide = readFileSync(new URL('../../docs/proxy-operations.md', import.meta.url), 'utf8');

describe('docs/proxy-operations.md', () => {
  it('documents every bundle, certificate and readiness code, reload result and metric', () => {
    const codes = [
      ...bundleErrorCodes,
      ...certificateErrorCodes,
      ...reloadResults,
      'no-bundle',
      'certificate-identity-mismatch',
      'certificate-untrusted',
      'starting',
      'stopping',
    ];
    const metricNames = [
      ...createProxyMetrics()
        .registry.render()
        .matchAll(/^# TYPE (\S+)/gm),
    ].map((m) => m[1]!);
    expect(metricNames.length).toBe(14); // a new metric: document it, then count it here
    const missing = [...codes, ...metricNames].filter((c) => !guide.includes(`\`${c}\``));
    expect(missing).toEqual([]);
  });
});
